// ResultSink: where a query's rows go, as typed text cells, one statement at a time.
//
// The engine converts DuckDB values into Cells so that output code (table, CSV, JSON) needs no
// DuckDB types. Nested values (STRUCT, LIST, MAP) arrive already rendered as JSON text.
// ResultTable is a sink that keeps everything in memory.
//
// Thread-safety: a sink is fed by one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace shoal::engine {

enum class CellKind { kNull, kBool, kNumber, kString, kJson };

struct Cell {
  CellKind kind = CellKind::kNull;
  std::string text;  // empty for kNull; "true"/"false"; number text; raw string; JSON text
  bool operator==(const Cell&) const = default;
};

struct Column {
  std::string name;
  std::string type;      // DuckDB's type name, e.g. "BIGINT", "VARCHAR", "STRUCT(...)"
  bool numeric = false;  // right-aligned in tables, unquoted in JSON
  bool operator==(const Column&) const = default;
};

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // Called once per row-returning statement, before its rows.
  virtual Status Begin(const std::vector<Column>& columns) = 0;
  virtual Status Row(std::vector<Cell>&& cells) = 0;
  // Called after the statement's last row.
  virtual Status End() = 0;
};

// Keeps the last statement's columns and rows.
class ResultTable : public ResultSink {
 public:
  Status Begin(const std::vector<Column>& columns) override {
    columns_ = columns;
    rows_.clear();
    return Status::Ok();
  }
  Status Row(std::vector<Cell>&& cells) override {
    rows_.push_back(std::move(cells));
    return Status::Ok();
  }
  Status End() override { return Status::Ok(); }

  const std::vector<Column>& columns() const { return columns_; }
  const std::vector<std::vector<Cell>>& rows() const { return rows_; }
  // The text of cell (row, column); "NULL" for nulls. For tests.
  std::string Text(size_t row, size_t column) const {
    const Cell& c = rows_.at(row).at(column);
    return c.kind == CellKind::kNull ? "NULL" : c.text;
  }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace shoal::engine

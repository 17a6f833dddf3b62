// Test support for the distributed query planner: runs a plan as the cluster would (each
// partition's fragment over its own files into a Parquet partial, then MergePartials) and the
// same SQL in one DuckDB over every file, and compares the answers.
//
// Thread-safety: one QueryOracle per thread.
#pragma once

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/query_plan.h"

namespace shoal::engine::testing {

inline std::string SqlList(const std::vector<std::string>& files) {
  std::string list = "[";
  for (const std::string& file : files) list += (list.size() > 1 ? ", '" : "'") + file + "'";
  return list + "]";
}

class QueryOracle {
 public:
  // `files` hold table `name`; partitions get files by `assignment` (file -> partition).
  QueryOracle(std::string name, std::vector<std::string> files, std::string work_dir)
      : name_(std::move(name)), files_(std::move(files)), work_dir_(std::move(work_dir)) {
    session_ = std::move(Session::Open({})).value();
    EXPECT_TRUE(session_
                    ->Query("CREATE VIEW " + name_ + " AS SELECT * FROM read_parquet(" +
                            SqlList(files_) + ")")
                    .ok());
  }

  // Table `name` as the planner sees it: DuckDB's columns and the readers a fragment uses.
  PlannerTable Describe(const std::string& name) {
    auto described = session_->Query("DESCRIBE " + name);
    PlannerTable table;
    table.name = name;
    table.reader_sql = "read_parquet(getvariable('shoal_files'))";
    for (size_t r = 0; r < described->rows().size(); ++r) {
      table.columns.push_back({described->Text(r, 0), described->Text(r, 1)});
    }
    table.whole_reader_sql = "read_parquet(getvariable('" + JoinedFilesVariable(name) + "'))";
    return table;
  }

  PlannerTable Table() { return Describe(name_); }

  // A replicated table `name` over `files`: every partition reads all of them.
  PlannerTable AddReplicated(const std::string& name, const std::vector<std::string>& files) {
    EXPECT_TRUE(session_
                    ->Query("CREATE VIEW " + name + " AS SELECT * FROM read_parquet(" +
                            SqlList(files) + ")")
                    .ok());
    EXPECT_TRUE(
        session_->Query("SET VARIABLE " + JoinedFilesVariable(name) + " = " + SqlList(files)).ok());
    PlannerTable table = Describe(name);
    table.replicated = true;
    return table;
  }

  Result<ResultTable> Single(const std::string& sql) { return session_->Query(sql); }

  // The plan run over `partitions` partitions, file i in partition assignment[i]. The merge
  // runs as the coordinator runs it (MergePartials, a locked session of its own), or, cheaper,
  // with `locked_merge` false, in the oracle's session.
  Result<ResultTable> Distributed(const QueryPlan& plan, const std::vector<int>& assignment,
                                  int partitions, bool locked_merge = true) {
    std::vector<std::string> partials;
    for (int p = 0; p < partitions; ++p) {
      std::vector<std::string> mine;
      for (size_t f = 0; f < files_.size(); ++f) {
        if (assignment[f] == p) mine.push_back(files_[f]);
      }
      if (mine.empty()) continue;  // a partition without files ships no partial
      std::string out =
          work_dir_ + "/partial-" + std::to_string(runs_) + "-" + std::to_string(p) + ".parquet";
      SHOAL_RETURN_IF_ERROR(
          session_->Query("SET VARIABLE shoal_files = " + SqlList(mine)).status());
      SHOAL_RETURN_IF_ERROR(
          session_->Query("COPY (" + plan.fragment_sql + ") TO '" + out + "' (FORMAT parquet)")
              .status());
      partials.push_back(out);
    }
    ++runs_;
    Result<ResultTable> merged = Status::Internal("not merged");
    if (locked_merge) {
      merged = MergePartials(plan, partials);
    } else {
      auto view = session_->Query(PartialsViewSql(plan, partials));
      merged = view.ok() ? session_->Query(plan.merge_sql) : view.status();
      (void)session_->Query(std::string("DROP VIEW IF EXISTS ") + kPartialsTable);
      (void)session_->Query(std::string("DROP TABLE IF EXISTS ") + kPartialsTable);
    }
    for (const std::string& file : partials) std::filesystem::remove(file);
    return merged;
  }

 private:
  std::string name_;
  std::vector<std::string> files_;
  std::string work_dir_;
  std::unique_ptr<Session> session_;
  int64_t runs_ = 0;
};

inline bool IsFloating(const std::string& type) { return type == "DOUBLE" || type == "FLOAT"; }

// Equal cells: exact, except floating columns within `relative` (NaN equals NaN).
inline bool SameCell(const Cell& a, const Cell& b, bool floating, double relative) {
  auto is_nan = [](const Cell& c) { return c.text == "nan" || c.text == "-nan"; };
  if (floating && is_nan(a) && is_nan(b)) return true;  // a NaN's sign means nothing
  if (a.kind != b.kind) return false;
  if (!floating || a.kind != CellKind::kNumber) return a.text == b.text;
  double x = std::stod(a.text), y = std::stod(b.text);
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
  if (std::isinf(x) || std::isinf(y)) return x == y;
  return std::fabs(x - y) <= relative * std::max(std::fabs(x), std::fabs(y)) + 1e-300;
}

// Rows sorted by their exact cells, floating cells rounded, so both sides line up whatever the
// order of ties.
inline std::vector<std::vector<Cell>> Sorted(const ResultTable& table) {
  auto rows = table.rows();
  auto key = [&](const std::vector<Cell>& row) {
    std::string k;
    for (size_t c = 0; c < row.size(); ++c) {
      std::string text = row[c].text;
      if (IsFloating(table.columns()[c].type) && row[c].kind == CellKind::kNumber) {
        char rounded[64];
        std::snprintf(rounded, sizeof rounded, "%.8g", std::stod(text));
        text = rounded;
      }
      k += std::to_string(static_cast<int>(row[c].kind)) + text + '\x1f';
    }
    return k;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const auto& a, const auto& b) { return key(a) < key(b); });
  return rows;
}

// "" when the answers agree; otherwise what differs.
inline std::string CompareAnswers(const ResultTable& single, const ResultTable& distributed,
                                  double relative) {
  if (single.columns().size() != distributed.columns().size()) return "column count differs";
  for (size_t c = 0; c < single.columns().size(); ++c) {
    const Column& a = single.columns()[c];
    const Column& b = distributed.columns()[c];
    if (a.name != b.name || a.type != b.type) {
      return "column " + std::to_string(c) + ": " + a.name + " " + a.type + " vs " + b.name + " " +
             b.type;
    }
  }
  if (single.rows().size() != distributed.rows().size()) {
    return "rows: " + std::to_string(single.rows().size()) + " vs " +
           std::to_string(distributed.rows().size());
  }
  auto x = Sorted(single), y = Sorted(distributed);
  for (size_t r = 0; r < x.size(); ++r) {
    for (size_t c = 0; c < x[r].size(); ++c) {
      if (!SameCell(x[r][c], y[r][c], IsFloating(single.columns()[c].type), relative)) {
        return "row " + std::to_string(r) + " column " + single.columns()[c].name + ": " +
               x[r][c].text + " vs " + y[r][c].text;
      }
    }
  }
  return "";
}

}  // namespace shoal::engine::testing

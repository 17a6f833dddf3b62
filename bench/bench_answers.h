// Answers of benchmark queries, compared before their timings count.
//
// A benchmark times a query only when its answer equals a reference answer computed in the same
// run (another engine over the same files, or the same engine over another copy of them): a fast
// wrong answer is not a result. An Answer holds every cell as the exact text DuckDB prints
// (Value::ToString: a DECIMAL keeps all its digits, a DOUBLE prints its shortest round-trip
// form), so equal text means equal value. Rows are sorted before comparing unless the query's
// ORDER BY fixes their order. Only the columns a query names as genuinely floating-point are
// compared within a tolerance, and the query says why.
//
// Thread-safety: plain values and functions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "engine/result_sink.h"

namespace shoal::bench {

using AnswerCell = std::optional<std::string>;  // nullopt is SQL NULL

struct Answer {
  std::vector<std::string> columns;
  std::vector<std::string> types;  // DuckDB type names; empty when the source has none (CSV)
  std::vector<std::vector<AnswerCell>> rows;
};

// How a query's answers are compared.
struct AnswerRules {
  // The query's ORDER BY fixes the order of every row: compare the rows in order.
  bool ordered = false;
  // Columns holding a genuinely floating-point result, compared within kFloatTolerance relative;
  // every other cell must be equal as text. The query says why each one is floating-point.
  std::vector<size_t> float_columns;
};

// Far above the rounding of a DOUBLE aggregate over millions of rows merged in another order
// (n * 2^-53 is below 1e-10 for n = 10^6), far below what one row more or less changes.
inline constexpr double kFloatTolerance = 1e-9;

// The answer a Shoal Session (or anything that fills a ResultTable) returned.
inline Answer AnswerOf(const engine::ResultTable& table) {
  Answer answer;
  for (const auto& column : table.columns()) {
    answer.columns.push_back(column.name);
    answer.types.push_back(column.type);
  }
  for (const auto& cells : table.rows()) {
    std::vector<AnswerCell> row;
    for (const auto& cell : cells) {
      row.push_back(cell.kind == engine::CellKind::kNull ? AnswerCell{} : AnswerCell{cell.text});
    }
    answer.rows.push_back(std::move(row));
  }
  return answer;
}

namespace internal {

inline bool IsFloatColumn(const AnswerRules& rules, size_t column) {
  return std::find(rules.float_columns.begin(), rules.float_columns.end(), column) !=
         rules.float_columns.end();
}

// The number a cell's text holds, when all of it is one.
inline std::optional<double> Number(const AnswerCell& cell) {
  if (!cell || cell->empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(cell->c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return value;
}

inline bool CellsAgree(const AnswerCell& got, const AnswerCell& want, bool floating) {
  if (got == want) return true;
  if (!floating) return false;
  const auto a = Number(got), b = Number(want);
  return a && b && std::fabs(*a - *b) <= kFloatTolerance * std::max(std::fabs(*a), std::fabs(*b));
}

// Exact columns first, so that rows whose floating-point cells differ in their last digits
// still sort to the same place; NULL before any text.
inline void SortRows(Answer& answer, const AnswerRules& rules) {
  auto before = [&](const std::vector<AnswerCell>& a, const std::vector<AnswerCell>& b) {
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t c = 0; c < a.size() && c < b.size(); ++c) {
        const bool floating = IsFloatColumn(rules, c);
        if (floating != (pass == 1) || a[c] == b[c]) continue;
        if (floating && Number(a[c]) && Number(b[c])) return *Number(a[c]) < *Number(b[c]);
        return a[c] < b[c];
      }
    }
    return a.size() < b.size();
  };
  std::stable_sort(answer.rows.begin(), answer.rows.end(), before);
}

inline std::string Render(const Answer& answer) {
  std::string text;
  for (size_t c = 0; c < answer.columns.size(); ++c) {
    text += (c == 0 ? "  " : " | ") + answer.columns[c];
    if (c < answer.types.size()) text += " " + answer.types[c];
  }
  text += "\n";
  constexpr size_t kMaxRows = 40;
  for (size_t r = 0; r < answer.rows.size() && r < kMaxRows; ++r) {
    for (size_t c = 0; c < answer.rows[r].size(); ++c) {
      text += (c == 0 ? "  " : " | ") + answer.rows[r][c].value_or("NULL");
    }
    text += "\n";
  }
  if (answer.rows.size() > kMaxRows) {
    text += "  ... " + std::to_string(answer.rows.size() - kMaxRows) + " more rows\n";
  }
  return text;
}

inline std::string Join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return "[" + text + "]";
}

}  // namespace internal

// "" when `got` equals `want` under `rules`; otherwise the first difference, then both answers
// (rows sorted as they were compared). Types are compared when both answers have them.
inline std::string AnswerDifference(Answer got, Answer want, const AnswerRules& rules) {
  if (!rules.ordered) {
    internal::SortRows(got, rules);
    internal::SortRows(want, rules);
  }
  std::string first;
  if (got.columns != want.columns) {
    first = "columns " + internal::Join(got.columns) + ", want " + internal::Join(want.columns);
  } else if (!got.types.empty() && !want.types.empty() && got.types != want.types) {
    first = "types " + internal::Join(got.types) + ", want " + internal::Join(want.types);
  } else if (got.rows.size() != want.rows.size()) {
    first = std::to_string(got.rows.size()) + " rows, want " + std::to_string(want.rows.size());
  }
  for (size_t r = 0; first.empty() && r < got.rows.size(); ++r) {
    if (got.rows[r].size() != want.rows[r].size()) {
      first = "row " + std::to_string(r + 1) + " has " + std::to_string(got.rows[r].size()) +
              " cells, want " + std::to_string(want.rows[r].size());
    }
    for (size_t c = 0; first.empty() && c < got.rows[r].size(); ++c) {
      if (!internal::CellsAgree(got.rows[r][c], want.rows[r][c],
                                internal::IsFloatColumn(rules, c))) {
        first = "row " + std::to_string(r + 1) + " column '" + got.columns[c] +
                "': " + got.rows[r][c].value_or("NULL") + ", want " +
                want.rows[r][c].value_or("NULL");
      }
    }
  }
  if (first.empty()) return "";
  return first + (rules.ordered ? "\n" : " (rows sorted)\n") + "got:\n" + internal::Render(got) +
         "want:\n" + internal::Render(want);
}

}  // namespace shoal::bench

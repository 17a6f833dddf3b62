// Result rows as the process tests compare them: an engine result in the JSON form `shoal job
// run --output json` and a published result.json give, and rows sorted as text, since the
// partitions' order is free. Header-only, for tests.
//
// Thread-safety: stateless functions.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "format/output_format.h"

namespace shoal::testing {

// Rows as JSON text, sorted: results compare as multisets.
inline std::vector<std::string> SortedRows(const nlohmann::json& rows) {
  std::vector<std::string> out;
  for (const auto& row : rows) out.push_back(row.dump());
  std::sort(out.begin(), out.end());
  return out;
}

// An engine result's rows in the JSON form a published result.json has.
inline nlohmann::json RowsJson(const engine::ResultTable& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : table.rows()) {
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& cell : row) {
      cells.push_back(nlohmann::json::parse(format::CellToJson(cell).dump()));
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

}  // namespace shoal::testing

#include "cli/result_table.h"

#include <cstdint>
#include <cstdlib>

namespace shoal::cli {

namespace {

using engine::Cell;
using engine::CellKind;
using engine::Column;
// ordered: nested values keep their keys in the order of the file.
using Json = nlohmann::ordered_json;

// Floats are kept as their text, in a binary value (a type JSON text never produces), so that
// "12.50" is printed as written instead of as the double 12.5.
constexpr std::uint64_t kRawNumberSubtype = 42;

// Builds a DOM like nlohmann's own SAX DOM parser, except for floats (see above).
class ExactNumberDomBuilder {
 public:
  bool null() { return Add(nullptr); }
  bool boolean(bool value) { return Add(value); }
  bool number_integer(Json::number_integer_t value) { return Add(value); }
  bool number_unsigned(Json::number_unsigned_t value) { return Add(value); }
  bool number_float(Json::number_float_t, const std::string& text) {
    return Add(
        Json::binary(Json::binary_t::container_type(text.begin(), text.end()), kRawNumberSubtype));
  }
  bool string(std::string& value) { return Add(value); }
  bool binary(Json::binary_t&) { return false; }  // not produced by JSON text
  bool start_object(std::size_t) { return Open(Json::object()); }
  bool key(std::string& key) {
    key_ = key;
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open(Json::array()); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t, const std::string&, const Json::exception& error) {
    error_ = error.what();
    return false;
  }

  Json& root() { return root_; }
  const std::string& error() const { return error_; }

 private:
  // Places `value` in the open container (or as the root) and returns where it now lives.
  Json* Place(Json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json* parent = stack_.back();
    if (parent->is_array()) {
      parent->push_back(std::move(value));
      return &parent->back();
    }
    Json& slot = (*parent)[key_];
    slot = std::move(value);
    return &slot;
  }
  bool Add(Json value) {
    Place(std::move(value));
    return true;
  }
  // Only the innermost open container grows, so the pointers on the stack stay valid.
  bool Open(Json container) {
    stack_.push_back(Place(std::move(container)));
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  Json root_;
  std::vector<Json*> stack_;
  std::string key_;
  std::string error_;
};

bool IsRawNumber(const Json& value) {
  return value.is_binary() && value.get_binary().has_subtype() &&
         value.get_binary().subtype() == kRawNumberSubtype;
}

std::string RawNumberText(const Json& value) {
  const auto& bytes = value.get_binary();
  return std::string(bytes.begin(), bytes.end());
}

// Compact JSON text of a value of the builder's DOM, floats as written.
void WriteJson(const Json& value, std::string& out) {
  if (IsRawNumber(value)) {
    out += RawNumberText(value);
  } else if (value.is_object()) {
    out += '{';
    bool first = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!first) out += ',';
      first = false;
      out += Json(it.key()).dump();
      out += ':';
      WriteJson(it.value(), out);
    }
    out += '}';
  } else if (value.is_array()) {
    out += '[';
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ',';
      WriteJson(value[i], out);
    }
    out += ']';
  } else {
    out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

Cell CellFromJson(const Json& value) {
  if (IsRawNumber(value)) return {CellKind::kNumber, RawNumberText(value)};
  switch (value.type()) {
    case Json::value_t::null:
      return {CellKind::kNull, ""};
    case Json::value_t::boolean:
      return {CellKind::kBool, value.get<bool>() ? "true" : "false"};
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return {CellKind::kNumber, value.dump()};
    case Json::value_t::string:
      return {CellKind::kString, value.get<std::string>()};
    default: {
      std::string text;
      WriteJson(value, text);
      return {CellKind::kJson, std::move(text)};
    }
  }
}

std::string DescribeColumns(const std::vector<Column>& columns) {
  std::string text = "(";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) text += ", ";
    text += columns[i].name + " " + columns[i].type;
  }
  return text + ")";
}

bool SameColumns(const std::vector<Column>& a, const std::vector<Column>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].type != b[i].type) return false;
  }
  return true;
}

}  // namespace

Table Table::WithColumns(const std::vector<std::string>& names) {
  Table table;
  for (const std::string& name : names) {
    bool numeric = !name.empty() && name.back() == '#';
    table.columns.push_back({numeric ? name.substr(0, name.size() - 1) : name,
                             numeric ? "BIGINT" : "VARCHAR", numeric});
  }
  return table;
}

void Table::AddTextRow(const std::vector<std::string>& texts) {
  std::vector<Cell> row;
  for (size_t c = 0; c < columns.size(); ++c) {
    std::string text = c < texts.size() ? texts[c] : "";
    if (columns[c].numeric) {
      row.push_back(text.empty() ? Cell{CellKind::kNull, ""} : Cell{CellKind::kNumber, text});
    } else {
      row.push_back({CellKind::kString, std::move(text)});
    }
  }
  rows.push_back(std::move(row));
}

Status PrintTable(const Table& table, format::OutputFormat output_format, std::ostream& out,
                  format::TableStyle style) {
  auto printer = format::MakePrinter(output_format, out, style);
  SHOAL_RETURN_IF_ERROR(printer->Begin(table.columns));
  for (const auto& row : table.rows) {
    std::vector<Cell> cells = row;
    SHOAL_RETURN_IF_ERROR(printer->Row(std::move(cells)));
  }
  return printer->End();
}

Result<Table> ParseResultJson(std::string_view text) {
  ExactNumberDomBuilder builder;
  if (!Json::sax_parse(text, &builder)) {
    return Status::InvalidArgument("not valid JSON: " + builder.error());
  }
  const Json& root = builder.root();
  if (!root.is_object()) return Status::InvalidArgument("expected a JSON object");
  auto columns = root.find("Columns");
  auto rows = root.find("Rows");
  if (columns == root.end() || !columns->is_array()) {
    return Status::InvalidArgument("Columns: expected a list");
  }
  if (rows == root.end() || !rows->is_array())
    return Status::InvalidArgument("Rows: expected a list");

  Table table;
  for (size_t i = 0; i < columns->size(); ++i) {
    const Json& column = (*columns)[i];
    std::string path = "Columns[" + std::to_string(i) + "]";
    if (!column.is_object() || !column.contains("Name") || !column["Name"].is_string()) {
      return Status::InvalidArgument(path + ": expected {\"Name\", \"Type\", \"Numeric\"}");
    }
    Column out;
    out.name = column["Name"].get<std::string>();
    if (column.contains("Type") && column["Type"].is_string()) {
      out.type = column["Type"].get<std::string>();
    }
    if (column.contains("Numeric") && column["Numeric"].is_boolean()) {
      out.numeric = column["Numeric"].get<bool>();
    }
    table.columns.push_back(std::move(out));
  }
  for (size_t r = 0; r < rows->size(); ++r) {
    const Json& row = (*rows)[r];
    if (!row.is_array() || row.size() != table.columns.size()) {
      return Status::InvalidArgument(
          "Rows[" + std::to_string(r) + "]: expected a list of " +
          std::to_string(table.columns.size()) + " values, got " +
          (row.is_array() ? std::to_string(row.size()) + " values" : std::string(row.type_name())));
    }
    std::vector<Cell> cells;
    cells.reserve(row.size());
    for (const Json& value : row) cells.push_back(CellFromJson(value));
    table.rows.push_back(std::move(cells));
  }
  return table;
}

namespace {

// Orders two cells of one column as DuckDB's ORDER BY ... ASC does: NULLs last, numbers by
// value, booleans false first, everything else (dates and timestamps included, whose text
// sorts chronologically) by text.
int CompareCells(const Cell& a, const Cell& b) {
  if (a.kind == CellKind::kNull || b.kind == CellKind::kNull) {
    return (a.kind == CellKind::kNull) - (b.kind == CellKind::kNull);
  }
  if (a.kind == CellKind::kNumber && b.kind == CellKind::kNumber) {
    long double x = std::strtold(a.text.c_str(), nullptr);
    long double y = std::strtold(b.text.c_str(), nullptr);
    return (x > y) - (x < y);
  }
  return a.text.compare(b.text) < 0 ? -1 : (a.text == b.text ? 0 : 1);
}

int CompareRows(const std::vector<Cell>& a, const std::vector<Cell>& b) {
  for (size_t c = 0; c < a.size() && c < b.size(); ++c) {
    if (int order = CompareCells(a[c], b[c]); order != 0) return order;
  }
  return 0;
}

bool IsAscending(const Table& table) {
  for (size_t r = 1; r < table.rows.size(); ++r) {
    if (CompareRows(table.rows[r - 1], table.rows[r]) > 0) return false;
  }
  return true;
}

}  // namespace

Result<Table> MergeTables(const std::vector<const Table*>& tables,
                          const std::vector<std::string>& labels) {
  // An empty partition (its files were none) has no columns: it adds nothing.
  std::vector<size_t> parts;
  for (size_t i = 0; i < tables.size(); ++i) {
    if (!tables[i]->columns.empty() || !tables[i]->rows.empty()) parts.push_back(i);
  }
  Table merged;
  if (parts.empty()) return merged;
  const size_t first = parts[0];
  merged.columns = tables[first]->columns;
  bool all_ascending = true;
  for (size_t i : parts) {
    if (!SameColumns(tables[i]->columns, merged.columns)) {
      return Status::InvalidArgument("cannot merge: " + labels[i] + " has columns " +
                                     DescribeColumns(tables[i]->columns) + " but " + labels[first] +
                                     " has " + DescribeColumns(merged.columns));
    }
    all_ascending = all_ascending && IsAscending(*tables[i]);
  }
  if (!all_ascending) {
    for (size_t i : parts) {
      merged.rows.insert(merged.rows.end(), tables[i]->rows.begin(), tables[i]->rows.end());
    }
    return merged;
  }
  // Every partition is in ascending order (as ORDER BY on its leading columns leaves it): merge
  // the runs so the union is in that order too. Ties keep partition order.
  std::vector<size_t> next(tables.size(), 0);
  while (true) {
    const Table* best = nullptr;
    size_t best_index = 0;
    for (size_t i : parts) {
      if (next[i] >= tables[i]->rows.size()) continue;
      if (best == nullptr ||
          CompareRows(tables[i]->rows[next[i]], best->rows[next[best_index]]) < 0) {
        best = tables[i];
        best_index = i;
      }
    }
    if (best == nullptr) break;
    merged.rows.push_back(best->rows[next[best_index]++]);
  }
  return merged;
}

nlohmann::ordered_json ColumnsJson(const Table& table) {
  nlohmann::ordered_json columns = nlohmann::ordered_json::array();
  for (const Column& column : table.columns) {
    columns.push_back({{"Name", column.name}, {"Type", column.type}, {"Numeric", column.numeric}});
  }
  return columns;
}

nlohmann::ordered_json RowsJson(const Table& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : table.rows) {
    nlohmann::ordered_json values = nlohmann::ordered_json::array();
    for (const Cell& cell : row) values.push_back(format::CellToJson(cell));
    rows.push_back(std::move(values));
  }
  return rows;
}

}  // namespace shoal::cli

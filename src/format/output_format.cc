#include "format/output_format.h"

#include <vector>

#include <nlohmann/json.hpp>

namespace shoal::format {

namespace {

using engine::Cell;
using engine::CellKind;
using engine::Column;

std::string DumpJson(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Display width in terminal columns, counting UTF-8 code points rather than bytes.
size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

std::string TableText(const Cell& cell) {
  return cell.kind == CellKind::kNull ? "NULL" : cell.text;
}

class TablePrinter : public engine::ResultSink {
 public:
  TablePrinter(std::ostream& out, TableStyle style) : out_(out), style_(style) {}

  Status Begin(const std::vector<Column>& columns) override {
    columns_ = columns;
    rows_.clear();
    return Status::Ok();
  }
  Status Row(std::vector<Cell>&& cells) override {
    rows_.push_back(std::move(cells));
    return Status::Ok();
  }
  Status End() override {
    if (printed_any_) out_ << "\n";
    printed_any_ = true;
    std::vector<size_t> widths(columns_.size());
    for (size_t c = 0; c < columns_.size(); ++c) {
      widths[c] = style_.header ? DisplayWidth(columns_[c].name) : 0;
      for (auto& row : rows_) widths[c] = std::max(widths[c], DisplayWidth(TableText(row[c])));
    }
    auto print_line = [&](auto text_of, auto right_align) {
      for (size_t c = 0; c < columns_.size(); ++c) {
        std::string text = text_of(c);
        std::string pad(widths[c] - DisplayWidth(text), ' ');
        if (c > 0) out_ << (style_.decorated ? " | " : "  ");
        if (right_align(c)) {
          out_ << pad << text;
        } else {
          out_ << text;
          if (c + 1 < columns_.size()) out_ << pad;
        }
      }
      out_ << "\n";
    };
    if (style_.header) {
      print_line([&](size_t c) { return columns_[c].name; },
                 [&](size_t c) { return columns_[c].numeric; });
    }
    if (style_.header && style_.decorated) {
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (c > 0) out_ << "-|-";
        out_ << std::string(widths[c], '-');
      }
      out_ << "\n";
    }
    for (auto& row : rows_) {
      print_line([&](size_t c) { return TableText(row[c]); },
                 [&](size_t c) { return columns_[c].numeric; });
    }
    if (style_.header && style_.decorated) {
      out_ << "(" << rows_.size() << (rows_.size() == 1 ? " row" : " rows") << ")\n";
    }
    out_.flush();
    return Status::Ok();
  }

 private:
  std::ostream& out_;
  const TableStyle style_;
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
  bool printed_any_ = false;
};

// RFC 4180: quote fields holding a separator, quote or line break; NULL is an empty field.
void WriteCsvField(std::ostream& out, const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out << text;
    return;
  }
  out << '"';
  for (char c : text) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

class CsvPrinter : public engine::ResultSink {
 public:
  CsvPrinter(std::ostream& out, bool header) : out_(out), header_(header) {}
  Status Begin(const std::vector<Column>& columns) override {
    if (printed_any_) out_ << "\n";
    printed_any_ = true;
    if (!header_) return Status::Ok();
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c > 0) out_ << ',';
      WriteCsvField(out_, columns[c].name);
    }
    out_ << "\n";
    return Status::Ok();
  }
  Status Row(std::vector<Cell>&& cells) override {
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) out_ << ',';
      WriteCsvField(out_, cells[c].text);
    }
    out_ << "\n";
    return Status::Ok();
  }
  Status End() override {
    out_.flush();
    return Status::Ok();
  }

 private:
  std::ostream& out_;
  const bool header_;
  bool printed_any_ = false;
};

// One JSON object per row; `as_array` wraps a statement's rows in [ ... ].
class JsonPrinter : public engine::ResultSink {
 public:
  JsonPrinter(std::ostream& out, bool as_array) : out_(out), as_array_(as_array) {}
  Status Begin(const std::vector<Column>& columns) override {
    columns_ = columns;
    rows_ = 0;
    if (as_array_) out_ << "[";
    return Status::Ok();
  }
  Status Row(std::vector<Cell>&& cells) override {
    std::string object = "{";
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) object += ",";
      object += DumpJson(nlohmann::ordered_json(columns_[c].name));
      object += ":";
      object += CellJsonText(cells[c]);
    }
    object += "}";
    if (as_array_) out_ << (rows_ == 0 ? "\n  " : ",\n  ");
    out_ << object;
    if (!as_array_) out_ << "\n";
    ++rows_;
    return Status::Ok();
  }
  Status End() override {
    if (as_array_) out_ << (rows_ == 0 ? "]\n" : "\n]\n");
    out_.flush();
    return Status::Ok();
  }

 private:
  std::ostream& out_;
  bool as_array_;
  std::vector<Column> columns_;
  size_t rows_ = 0;
};

}  // namespace

nlohmann::ordered_json CellToJson(const engine::Cell& cell) {
  switch (cell.kind) {
    case engine::CellKind::kNull:
      return nullptr;
    case engine::CellKind::kBool:
      return cell.text == "true";
    case engine::CellKind::kNumber:
    case engine::CellKind::kJson:
      return nlohmann::ordered_json::parse(cell.text);
    case engine::CellKind::kString:
      return cell.text;
  }
  return nullptr;
}

namespace {

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumberText(std::string_view text) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i > start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (i < text.size() && text[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == text.size();
}

}  // namespace

std::string CellJsonText(const engine::Cell& cell) {
  if (cell.kind == engine::CellKind::kNumber) {
    return IsJsonNumberText(cell.text) ? cell.text : DumpJson(cell.text);
  }
  return DumpJson(CellToJson(cell));
}

std::string ResultJsonStart(const std::vector<engine::Column>& columns) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const engine::Column& column : columns) {
    list.push_back({{"Name", column.name}, {"Type", column.type}, {"Numeric", column.numeric}});
  }
  return "{\"Columns\":" + DumpJson(list) + ",\"Rows\":[";
}

std::string ResultJsonRow(const std::vector<engine::Cell>& cells) {
  std::string row = "[";
  for (size_t c = 0; c < cells.size(); ++c) {
    if (c > 0) row += ",";
    row += CellJsonText(cells[c]);  // exact numbers: DECIMAL 12.50 stays 12.50
  }
  return row + "]";
}

Result<OutputFormat> ParseOutputFormat(const std::string& text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "csv") return OutputFormat::kCsv;
  if (text == "json") return OutputFormat::kJson;
  if (text == "jsonl") return OutputFormat::kJsonl;
  return Status::InvalidArgument("unknown output format '" + text +
                                 "'; use table, csv, json or jsonl");
}

std::unique_ptr<engine::ResultSink> MakePrinter(OutputFormat format, std::ostream& out,
                                                TableStyle style) {
  switch (format) {
    case OutputFormat::kTable:
      return std::make_unique<TablePrinter>(out, style);
    case OutputFormat::kCsv:
      return std::make_unique<CsvPrinter>(out, style.header);
    case OutputFormat::kJson:
      return std::make_unique<JsonPrinter>(out, true);
    case OutputFormat::kJsonl:
      return std::make_unique<JsonPrinter>(out, false);
  }
  return nullptr;
}

}  // namespace shoal::format

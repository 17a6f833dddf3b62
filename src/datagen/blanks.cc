#include "datagen/blanks.h"

#include <cstring>
#include <iterator>
#include <string>

#include "datagen/schema.h"

namespace shoal::datagen {
namespace {

constexpr BlankableField kFields[] = {
    {"customer_id", "customer_id", BlankKind::kNull},
    {"customer_email", "customer_email", BlankKind::kEmptyString},
    {"product_id", "product_id", BlankKind::kNull},
    {"product_name", "product_name", BlankKind::kEmptyString},
    {"product_category", "product_category", BlankKind::kNull},
    {"quantity", "quantity", BlankKind::kNull},
    {"unit_price", "unit_price", BlankKind::kNull},
    {"total_amount", "total_amount", BlankKind::kNull},
    {"payment_method", "payment_method", BlankKind::kEmptyString},
    {"city", "shipping_address_city", BlankKind::kEmptyString},
};
static_assert(std::size(kFields) <= 32, "a row's blanks are a 32-bit mask");

// Replaces [begin, end) inside the row that ends at `row_end` with `text`; returns the row's new
// end. The row's tail moves, so `text` may be longer or shorter than what it replaces.
char* Splice(char* begin, char* end, char* row_end, std::string_view text) {
  std::memmove(begin + text.size(), end, static_cast<size_t>(row_end - end));
  std::memcpy(begin, text.data(), text.size());
  return begin + text.size() + (row_end - end);
}

}  // namespace

std::span<const BlankableField> BlankableFields() { return kFields; }

RowBlanker::RowBlanker(double rate, RowFormat format) : rate_(rate), format_(format) {
  const std::span<const ColumnSpec> columns = TransactionCsvColumns();
  for (const BlankableField& field : kFields) {
    size_t index = 0;
    while (index < columns.size() && columns[index].name != field.csv_column) ++index;
    csv_index_.push_back(index);
  }
}

uint32_t RowBlanker::Draw(Rng& rng) const {
  uint32_t mask = 0;
  for (size_t i = 0; i < std::size(kFields); ++i) {
    if (rng.Uniform() < rate_) mask |= uint32_t{1} << i;
  }
  return mask;
}

char* RowBlanker::Apply(uint32_t mask, char* row, char* end) const {
  const bool json = format_ == RowFormat::kJsonl;
  for (size_t i = 0; i < std::size(kFields); ++i) {
    if ((mask & (uint32_t{1} << i)) == 0) continue;
    const BlankableField& field = kFields[i];
    const std::string_view text(row, static_cast<size_t>(end - row));
    size_t begin = 0, stop = 0;
    if (json) {
      // Keys are unique in a row and no value contains a quote, so `"key": ` finds the field;
      // a string value runs to its closing quote, a number to the next separator.
      const std::string pattern = "\"" + std::string(field.json_key) + "\": ";
      const size_t at = text.find(pattern);
      if (at == std::string_view::npos) continue;
      begin = at + pattern.size();
      stop = text[begin] == '"' ? text.find('"', begin + 1) + 1 : text.find_first_of(",}", begin);
    } else {
      // No CSV value contains a comma (nor does the `""` written for an empty string).
      for (size_t column = 0; column < csv_index_[i]; ++column) {
        begin = text.find(',', begin) + 1;
      }
      stop = text.find_first_of(",\n", begin);
    }
    const std::string_view blank = field.kind == BlankKind::kEmptyString ? "\"\""
                                   : json                                ? "null"
                                                                         : "";
    end = Splice(row + begin, row + stop, end, blank);
  }
  return end;
}

}  // namespace shoal::datagen

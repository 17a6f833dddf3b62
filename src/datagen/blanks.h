// RowBlanker: dirty data on purpose (`--null-rate`). Each of a fixed set of a transaction's fields
// (keys, amounts, free text) is, independently and with the chosen probability, written as NULL
// (JSON null, an empty CSV field) or, for text, as an empty string, so that the warehouse's
// answers can be checked on data with the holes real data has.
//
// The blanks are applied to a row TransactionWriter has already formatted, rather than inside
// the writer: the hot loop stays as it is, a rate of 0 never reaches this code (its output is
// byte for byte what it was before the option existed), and only rows that draw a blank pay for
// a rewrite. The draws use a random stream of their own (generator.cc), so a row's other values
// are exactly those of the same run without blanks.
//
// Thread-safety: RowBlanker is immutable after construction; Draw uses the caller's Rng.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "datagen/random.h"
#include "datagen/transaction_writer.h"

namespace shoal::datagen {

enum class BlankKind { kNull, kEmptyString };

struct BlankableField {
  std::string_view json_key;    // its key in a JSONL row (city is inside shipping_address)
  std::string_view csv_column;  // its column in the CSV header
  BlankKind kind;
};

// The fields --null-rate may blank, in row order: customer_id, customer_email, product_id,
// product_name, product_category, quantity, unit_price, total_amount, payment_method and
// shipping_address.city. Only VARCHAR columns get empty strings, so DuckDB infers the same
// column types with blanks as without.
std::span<const BlankableField> BlankableFields();

class RowBlanker {
 public:
  // A row may grow by at most this many bytes (a one-digit quantity becoming `null`); the
  // caller's buffer has TransactionWriter::kMaxRowBytes for a row that is under 1.5 KiB.
  static constexpr size_t kMaxGrowth = 8;

  // REQUIRES: 0 < rate <= 1.
  RowBlanker(double rate, RowFormat format);

  // Which fields of the next row to blank: bit i set blanks BlankableFields()[i]. Each field is
  // blanked with probability `rate`, independently; the same number of draws for every row.
  uint32_t Draw(Rng& rng) const;

  // Rewrites the row [row, end), written by a TransactionWriter of this format, with the fields
  // of `mask` blanked, and returns its new end.
  char* Apply(uint32_t mask, char* row, char* end) const;

 private:
  double rate_;
  RowFormat format_;
  std::vector<size_t> csv_index_;  // [field] its column index in the CSV header
};

}  // namespace shoal::datagen

// TransactionWriter: formats TransactionEvents as JSONL or CSV text into a caller's buffer.
//
// This is the generator's hot loop, so it writes with memcpy and std::to_chars into raw memory
// (no streams, no per-field allocation) and copies precomputed text for everything that comes
// from a small set (keys, regions, products, cities, enumerations) and for dates.
// JSONL uses Python's json.dumps separators (", " and ": ") and key order, like the reference;
// floats print like Python's repr (shortest round-trip, always with a '.'). CSV has a header row,
// shipping_address flattened into shipping_address_* columns, and needs no quoting because no
// catalog text contains a comma or a quote.
//
// Thread-safety: a writer keeps a date cache, so each thread needs its own; the catalog it
// reads is shared and immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datagen/catalog.h"
#include "datagen/transaction.h"

namespace shoal::datagen {

enum class RowFormat { kJsonl, kCsv };

class TransactionWriter {
 public:
  // Room the caller must leave at `out` for one row (or the header); rows are under 1.5 KiB.
  static constexpr size_t kMaxRowBytes = 4096;

  // `catalog` must outlive the writer.
  TransactionWriter(const ProductCatalog& catalog, RowFormat format);

  // Writes the CSV header line (nothing for JSONL) and returns the end pointer.
  char* AppendHeader(char* out) const;
  // Writes one row ending in '\n' and returns the end pointer.
  char* Append(const TransactionEvent& event, char* out);

 private:
  // Text precomputed into arena_: a field's glue plus its value where the value is one of few
  // (e.g. `", "region_name": "us-east", "region_country": ...`), so a row is ~30 copies.
  struct Piece {
    uint32_t offset = 0;
    uint32_t size = 0;
  };
  // Short pieces are copied with one fixed-size move, which may read and write up to
  // kPieceCopy bytes; arena_ ends in that much padding and rows have far more than that spare.
  static constexpr size_t kPieceCopy = 32;

  Piece Add(std::string_view text);
  char* Put(Piece piece, char* out) const;
  // The time `days_after` (0..7) whole days after `micros`, through the date cache.
  char* PutTimestamp(int64_t micros, int days_after, char* out);
  void RefreshDates(int64_t day);

  RowFormat format_;
  std::string arena_;
  // Glue, for the format: what comes before / between fields.
  Piece row_start_, after_event_id_, after_transaction_id_, after_customer_id_, before_total_,
      before_latitude_, before_longitude_, row_end_;
  std::vector<Piece> region_head_;      // [region] region fields, up to transaction_id's value
  std::vector<Piece> customer_type_;    // [type] the customer_type key and value
  std::vector<Piece> product_head_;     // [product] product id, name, category, quantity's key
  std::vector<Piece> product_price_;    // [product] unit_price and subtotal's key
  std::vector<int64_t> product_cents_;  // [product] the unit price
  std::vector<Piece> tax_rate_;         // [percent] tax_rate and tax_amount's key
  std::vector<Piece> payment_;  // [method * 4 + status] up to shipping_address.street's value
  std::vector<std::vector<Piece>> street_;  // [region][name * suffixes + suffix] " Oak Street"
  std::vector<Piece> secondary_;            // [region] " Apt. "
  std::vector<std::vector<Piece>> city_;    // [region][city] city, state, country, postal key
  std::vector<Piece> tail_;  // [region * 3 + shipping method] timezone to delivery key
  std::vector<Piece> first_names_, last_names_, email_domains_;
  // "YYYY-MM-DD" for cached_day_ + 0..7: events arrive in time order, so this changes daily.
  int64_t cached_day_;
  char dates_[8][10];
};

// Value formatting shared with tests. Each writes at `out` and returns the end pointer.
// Python repr of a double: shortest round-trip digits, ".0" added to integral values.
char* PutDouble(double value, char* out);
// `cents` / 100 as Python prints round(x, 2): "12.3", "12.0", "12.34".
char* PutCents(int64_t cents, char* out);
// Millionths of a degree as Python prints round(x, 6): "-74.005974", "40.5".
char* PutMicroDegrees(int64_t micros, char* out);

}  // namespace shoal::datagen

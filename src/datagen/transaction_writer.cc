#include "datagen/transaction_writer.h"

#include <charconv>
#include <cstring>

#include "datagen/calendar.h"
#include "datagen/schema.h"

namespace shoal::datagen {
namespace {

inline char* Put(std::string_view text, char* out) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

// A string literal: the length is a compile-time constant, so the copy is a few moves.
template <size_t N>
inline char* Lit(const char (&text)[N], char* out) {
  std::memcpy(out, text, N - 1);
  return out + N - 1;
}

inline char* PutUint(uint64_t value, char* out) { return std::to_chars(out, out + 20, value).ptr; }

// Two-digit "00".."99", for times of day.
struct TwoDigits {
  char text[200];
  constexpr TwoDigits() : text() {
    for (int i = 0; i < 100; ++i) {
      text[2 * i] = static_cast<char>('0' + i / 10);
      text[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
  }
};
constexpr TwoDigits kTwoDigits;

inline char* Put2(int value, char* out) {
  std::memcpy(out, &kTwoDigits.text[2 * value], 2);
  return out + 2;
}

char* PutPostalCode(std::string_view pattern, uint64_t bits, char* out) {
  // The letters Eircodes use.
  static constexpr std::string_view kEircodeLetters = "ACDEFHKNPRTVWXY";
  for (const char c : pattern) {
    if (c == '#') {
      *out++ = static_cast<char>('0' + bits % 10);
      bits /= 10;
    } else if (c == '@') {
      *out++ = kEircodeLetters[bits % kEircodeLetters.size()];
      bits /= kEircodeLetters.size();
    } else {
      *out++ = c;
    }
  }
  return out;
}

}  // namespace

char* PutDouble(double value, char* out) {
  char* end = std::to_chars(out, out + 32, value).ptr;
  // Python's repr always shows a float as a float: 1234.0, not 1234.
  for (const char* p = out; p < end; ++p) {
    if (*p == '.' || *p == 'e' || *p == 'n') return end;  // a fraction, exponent, inf or nan
  }
  return Lit(".0", end);
}

char* PutCents(int64_t cents, char* out) {
  if (cents < 0) {
    *out++ = '-';
    cents = -cents;
  }
  out = PutUint(static_cast<uint64_t>(cents / 100), out);
  *out++ = '.';
  out = Put2(static_cast<int>(cents % 100), out);
  return out[-1] == '0' ? out - 1 : out;  // "12.30" -> "12.3", "12.00" -> "12.0"
}

char* PutMicroDegrees(int64_t micros, char* out) {
  if (micros < 0) {
    *out++ = '-';
    micros = -micros;
  }
  out = PutUint(static_cast<uint64_t>(micros / 1'000'000), out);
  *out++ = '.';
  const int fraction = static_cast<int>(micros % 1'000'000);
  out = Put2(fraction / 10000, out);
  out = Put2(fraction / 100 % 100, out);
  out = Put2(fraction % 100, out);
  while (out[-1] == '0' && out[-2] != '.') --out;  // Python drops trailing zeros, keeps one
  return out;
}

TransactionWriter::Piece TransactionWriter::Add(std::string_view text) {
  const Piece piece{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(text.size())};
  arena_.append(text);
  return piece;
}

inline char* TransactionWriter::Put(Piece piece, char* out) const {
  const char* text = arena_.data() + piece.offset;
  if (piece.size <= kPieceCopy) {
    std::memcpy(out, text, kPieceCopy);
  } else {
    std::memcpy(out, text, piece.size);
  }
  return out + piece.size;
}

TransactionWriter::TransactionWriter(const ProductCatalog& catalog, RowFormat format)
    : format_(format), cached_day_(INT64_MIN) {
  const bool json = format == RowFormat::kJsonl;
  // Glue before the value of `key`: `", "key": "` in JSON (after a string value) or a comma.
  auto after_string = [json](std::string_view key, bool string_value = true) {
    return json ? "\", \"" + std::string(key) + "\": " + (string_value ? "\"" : "")
                : std::string(",");
  };
  auto after_number = [json](std::string_view key, bool string_value = false) {
    return json ? ", \"" + std::string(key) + "\": " + (string_value ? "\"" : "")
                : std::string(",");
  };
  row_start_ = Add(json ? "{\"event_id\": \"" : "");
  after_event_id_ = Add(after_string("timestamp"));
  after_transaction_id_ = Add(after_string("customer_id"));
  after_customer_id_ = Add(after_string("customer_email"));
  before_total_ = Add(after_number("total_amount"));
  before_latitude_ = Add(after_string("latitude", false));
  before_longitude_ = Add(after_number("longitude"));
  row_end_ = Add(json ? "\"}\n" : "\n");

  for (const Region& region : Regions()) {
    region_head_.push_back(Add(after_string("region_name") + std::string(region.name) +
                               after_string("region_country") + std::string(region.country) +
                               after_string("region_timezone") + std::string(region.timezone) +
                               after_string("transaction_id")));
    std::vector<Piece> streets;
    for (std::string_view name : region.streets->names) {
      for (std::string_view suffix : region.streets->suffixes) {
        streets.push_back(Add(" " + std::string(name) + " " + std::string(suffix)));
      }
    }
    street_.push_back(std::move(streets));
    secondary_.push_back(Add(" " + std::string(region.streets->secondary) + " "));
    std::vector<Piece> cities;
    for (const City& city : region.cities) {
      cities.push_back(Add(after_string("city") + std::string(city.name) + after_string("state") +
                           std::string(city.state) + after_string("country") +
                           std::string(region.country) + after_string("postal_code")));
    }
    city_.push_back(std::move(cities));
    for (std::string_view method : kShippingMethods) {
      tail_.push_back(Add(after_number("timezone", true) + std::string(region.timezone) +
                          (json ? "\"}" : "") + after_number("shipping_method", true) +
                          std::string(method) + after_string("estimated_delivery")));
    }
  }
  for (std::string_view type : kCustomerTypes) {
    customer_type_.push_back(Add(after_string("customer_type") + std::string(type)));
  }
  for (const Product& product : catalog.products()) {
    char id[kUuidTextLength];
    FormatUuid(product.id, id);
    product_head_.push_back(Add(after_string("product_id") + std::string(id, sizeof id) +
                                after_string("product_name") + product.name +
                                after_string("product_category") +
                                std::string(kCategories[static_cast<size_t>(product.category)]) +
                                after_string("quantity", false)));
    char price[32];
    product_price_.push_back(Add(after_number("unit_price") +
                                 std::string(price, PutCents(product.price_cents, price)) +
                                 after_number("subtotal")));
    product_cents_.push_back(product.price_cents);
  }
  for (int percent = 0; percent <= 15; ++percent) {
    char rate[32];
    tax_rate_.push_back(Add(after_number("tax_rate") + std::string(rate, PutCents(percent, rate)) +
                            after_number("tax_amount")));
  }
  for (std::string_view method : kPaymentMethods) {
    for (std::string_view status : kPaymentStatuses) {
      payment_.push_back(Add(after_number("payment_method", true) + std::string(method) +
                             after_string("payment_status") + std::string(status) +
                             after_string("currency") + std::string(kCurrency) +
                             (json ? "\", \"shipping_address\": {\"street\": \"" : ",")));
    }
  }
  for (std::string_view name : FirstNames()) first_names_.push_back(Add(name));
  for (std::string_view name : LastNames()) last_names_.push_back(Add(name));
  for (std::string_view domain : EmailDomains()) email_domains_.push_back(Add(domain));
  arena_.append(kPieceCopy, '\0');  // the padding that fixed-size copies may read
}

char* TransactionWriter::AppendHeader(char* out) const {
  if (format_ != RowFormat::kCsv) return out;
  bool first = true;
  for (const ColumnSpec& column : TransactionCsvColumns()) {
    if (!first) *out++ = ',';
    first = false;
    out = datagen::Put(column.name, out);
  }
  *out++ = '\n';
  return out;
}

void TransactionWriter::RefreshDates(int64_t day) {
  cached_day_ = day;
  for (int i = 0; i < 8; ++i) FormatDate(day + i, dates_[i]);
}

char* TransactionWriter::PutTimestamp(int64_t micros, int days_after, char* out) {
  const int64_t day = FloorDiv(micros, kMicrosPerDay);
  if (day != cached_day_) RefreshDates(day);
  std::memcpy(out, dates_[days_after], 10);
  out += 10;
  const int64_t in_day = micros - day * kMicrosPerDay;
  const int seconds = static_cast<int>(in_day / kMicrosPerSecond);
  *out++ = ' ';
  out = Put2(seconds / 3600, out);
  *out++ = ':';
  out = Put2(seconds / 60 % 60, out);
  *out++ = ':';
  out = Put2(seconds % 60, out);
  // Always six fraction digits: see FormatTimestamp in calendar.h for why.
  const int fraction = static_cast<int>(in_day % kMicrosPerSecond);
  *out++ = '.';
  out = Put2(fraction / 10000, out);
  out = Put2(fraction / 100 % 100, out);
  return Put2(fraction % 100, out);
}

char* TransactionWriter::Append(const TransactionEvent& e, char* out) {
  const size_t region = static_cast<size_t>(e.region);
  const Region& info = Regions()[region];
  const Customer& c = e.customer;
  const size_t product = static_cast<size_t>(e.product);
  const Amounts amounts = ComputeAmounts(product_cents_[product], e.quantity, e.tax_percent);

  out = Put(row_start_, out);
  out = FormatUuid(e.event_id, out);
  out = Put(after_event_id_, out);
  out = PutTimestamp(e.timestamp_micros, 0, out);
  out = Put(region_head_[region], out);
  out = FormatUuid(e.transaction_id, out);
  out = Put(after_transaction_id_, out);
  out = FormatUuid(c.id, out);
  out = Put(after_customer_id_, out);
  // The email: first.last<n>, <initial><last><n> or first_last<n>, where the customer's index
  // <n> makes it unique (digits end the local part, so names cannot run together).
  const Piece first = first_names_[static_cast<size_t>(c.first_name)];
  if (c.email_form == 1) {
    *out++ = arena_[first.offset];
  } else {
    out = Put(first, out);
    *out++ = c.email_form == 0 ? '.' : '_';
  }
  out = Put(last_names_[static_cast<size_t>(c.last_name)], out);
  out = PutUint(c.index, out);
  *out++ = '@';
  out = Put(email_domains_[static_cast<size_t>(c.email_domain)], out);
  out = Put(customer_type_[static_cast<size_t>(c.type)], out);
  out = Put(product_head_[product], out);
  *out++ = static_cast<char>('0' + e.quantity);
  out = Put(product_price_[product], out);
  out = PutDouble(amounts.subtotal, out);
  out = Put(tax_rate_[static_cast<size_t>(e.tax_percent)], out);
  out = PutCents(amounts.tax_cents, out);
  out = Put(before_total_, out);
  out = PutDouble(amounts.total_amount, out);
  out = Put(payment_[static_cast<size_t>(e.payment_method * 4 + e.payment_status)], out);
  out = PutUint(static_cast<uint64_t>(c.street_number), out);
  const size_t suffixes = info.streets->suffixes.size();
  out = Put(street_[region][static_cast<size_t>(c.street_name) * suffixes +
                            static_cast<size_t>(c.street_suffix)],
            out);
  if (c.secondary_number != 0) {
    out = Put(secondary_[region], out);
    out = PutUint(static_cast<uint64_t>(c.secondary_number), out);
  }
  out = Put(city_[region][static_cast<size_t>(c.city)], out);
  out = PutPostalCode(info.cities[static_cast<size_t>(c.city)].postal_pattern, c.postal_bits, out);
  out = Put(before_latitude_, out);
  out = PutMicroDegrees(c.latitude_micros, out);
  out = Put(before_longitude_, out);
  out = PutMicroDegrees(c.longitude_micros, out);
  out = Put(tail_[region * kShippingMethods.size() + static_cast<size_t>(e.shipping_method)], out);
  out = PutTimestamp(e.timestamp_micros, e.delivery_days, out);
  return Put(row_end_, out);
}

}  // namespace shoal::datagen

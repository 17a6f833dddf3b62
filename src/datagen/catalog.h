// The generator's fixed vocabulary: regions (with their cities, states, postal-code shapes,
// time zones and lat/long boxes), street and name lists, product categories and the enumerated
// field values; plus the seeded 1,000-product catalog.
//
// Every string here is printable ASCII without '"', '\\' or ',' (catalog_test.cc checks), so the
// writers can copy them into JSON and CSV without escaping.
//
// Thread-safety: the tables are immutable after static initialization; a ProductCatalog is
// immutable after construction and may be shared between threads.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "datagen/random.h"

namespace shoal::datagen {

struct City {
  std::string_view name;
  std::string_view state;  // US state, Irish county or Indian state
  double latitude;
  double longitude;
  // Postal code shape: '#' is a random digit, '@' a random Eircode letter, others are literal.
  std::string_view postal_pattern;
};

struct StreetStyle {
  std::span<const std::string_view> names;
  std::span<const std::string_view> suffixes;
  std::string_view secondary;  // "Apt.", "Apartment", "Flat"
  int max_number;              // house numbers are 1..max_number
};

struct Region {
  std::string_view name;      // "us-east"
  std::string_view country;   // "United States"
  std::string_view timezone;  // IANA name, "America/New_York"
  // Standard-time offset used for seasonality (daylight saving is ignored).
  int utc_offset_minutes;
  std::span<const City> cities;
  const StreetStyle* streets;
  // Every generated shipping address of the region lies inside this box (degrees).
  double min_latitude, max_latitude, min_longitude, max_longitude;
};

inline constexpr int kRegionCount = 4;
// us-east, us-west, eu-west, ap-south: the canonical order used everywhere.
const std::array<Region, kRegionCount>& Regions();

// Largest distance (degrees) a shipping address lies from its city's centre.
inline constexpr double kCityJitterLatitude = 0.05;
inline constexpr double kCityJitterLongitude = 0.08;

// Enumerated field values, in the reference generator's order.
inline constexpr std::array<std::string_view, 10> kCategories = {
    "Electronics", "Clothing", "Books", "Home",       "Sports",
    "Food",        "Beauty",   "Toys",  "Automotive", "Garden"};
inline constexpr std::array<std::string_view, 3> kCustomerTypes = {"basic", "premium", "vip"};
inline constexpr std::array<std::string_view, 4> kPaymentMethods = {"credit_card", "paypal",
                                                                    "bank_transfer", "crypto"};
inline constexpr std::array<std::string_view, 4> kPaymentStatuses = {"pending", "completed",
                                                                     "failed", "refunded"};
inline constexpr int kFailedStatus = 2;
inline constexpr std::array<std::string_view, 3> kShippingMethods = {"standard", "express",
                                                                     "overnight"};
inline constexpr std::string_view kCurrency = "USD";

std::span<const std::string_view> FirstNames();
std::span<const std::string_view> LastNames();
std::span<const std::string_view> EmailDomains();
std::span<const std::string_view> ProductColors();
std::span<const std::string_view> ProductWords();

struct Product {
  Uuid id;
  std::string name;  // "<Color> <word> <category without its trailing s>", e.g. "Blue modern Book"
  int category = 0;  // index into kCategories
  int64_t price_cents = 0;  // uniform 10.00 .. 1000.00
};

// The products on sale, drawn from the seed (the reference builds 1,000 at start-up).
class ProductCatalog {
 public:
  static constexpr int kDefaultSize = 1000;
  explicit ProductCatalog(uint64_t seed, int size = kDefaultSize);

  const std::vector<Product>& products() const { return products_; }

 private:
  std::vector<Product> products_;
};

}  // namespace shoal::datagen

#include "datagen/customers.h"

#include <algorithm>
#include <cmath>

namespace shoal::datagen {
namespace {

constexpr uint64_t kCustomerSalt = 0x637573746f6d6572ULL;  // "customer"
constexpr int64_t kPurchasesPerCustomer = 8;
constexpr int64_t kMinCustomersPerRegion = 16;
// 30% of addresses carry an apartment or flat number.
constexpr uint64_t kSecondaryPercent = 30;

int64_t Degrees(double degrees) { return std::llround(degrees * 1e6); }

}  // namespace

int64_t CustomerPool::SizeFor(int64_t total_events, int region_count) {
  return std::max(kMinCustomersPerRegion,
                  total_events / (kPurchasesPerCustomer * std::max(region_count, 1)));
}

CustomerPool::CustomerPool(uint64_t seed, int64_t per_region)
    : seed_(Mix(seed, kCustomerSalt)), sampler_(static_cast<uint64_t>(per_region)) {}

Customer CustomerPool::Describe(uint64_t index) const {
  uint64_t state = Mix(seed_, index);
  // Multiply-shift instead of %: a 64-bit division costs more than the hash itself.
  auto below = [&state](uint64_t n) {
    __extension__ using Wide = unsigned __int128;
    return static_cast<uint64_t>((static_cast<Wide>(SplitMix64(state)) * n) >> 64);
  };
  Customer c;
  c.index = index;
  c.region = static_cast<int>(index % kRegionCount);
  const uint64_t hi = SplitMix64(state);
  c.id = MakeUuid(hi, SplitMix64(state));
  c.first_name = static_cast<int>(below(FirstNames().size()));
  c.last_name = static_cast<int>(below(LastNames().size()));
  c.email_form = static_cast<int>(below(3));
  c.email_domain = static_cast<int>(below(EmailDomains().size()));
  c.type = static_cast<int>(below(kCustomerTypes.size()));
  const Region& region = Regions()[static_cast<size_t>(c.region)];
  c.city = static_cast<int>(below(region.cities.size()));
  c.street_number = 1 + static_cast<int>(below(static_cast<uint64_t>(region.streets->max_number)));
  c.street_name = static_cast<int>(below(region.streets->names.size()));
  c.street_suffix = static_cast<int>(below(region.streets->suffixes.size()));
  if (below(100) < kSecondaryPercent) c.secondary_number = 1 + static_cast<int>(below(999));
  c.postal_bits = SplitMix64(state);
  // A point near the city centre, integer millionths of a degree (the reference's 6 decimals).
  const City& city = region.cities[static_cast<size_t>(c.city)];
  const int64_t lat_jitter = Degrees(kCityJitterLatitude);
  const int64_t lon_jitter = Degrees(kCityJitterLongitude);
  c.latitude_micros = Degrees(city.latitude) - lat_jitter +
                      static_cast<int64_t>(below(static_cast<uint64_t>(2 * lat_jitter + 1)));
  c.longitude_micros = Degrees(city.longitude) - lon_jitter +
                       static_cast<int64_t>(below(static_cast<uint64_t>(2 * lon_jitter + 1)));
  return c;
}

}  // namespace shoal::datagen

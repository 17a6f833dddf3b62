// CustomerPool: the finite set of customers who buy, so the same customer comes back.
//
// Each region has its own pool of customers (a customer shops in one region); who buys next is
// drawn with a power-law popularity, so a few customers buy often and most rarely. A customer is
// never stored: every attribute (id, email, type, shipping address) is derived on demand from a
// hash of the seed and the customer's index, which keeps them stable across events at no memory
// cost even for pools of millions.
//
// Thread-safety: immutable after construction; Describe and Draw (with a caller-owned Rng) may
// run on several threads.
#pragma once

#include <cstdint>

#include "datagen/catalog.h"
#include "datagen/random.h"

namespace shoal::datagen {

struct Customer {
  uint64_t index = 0;  // rank * kRegionCount + region: unique across regions
  int region = 0;
  Uuid id;
  int first_name = 0;  // into FirstNames()
  int last_name = 0;   // into LastNames()
  int email_form = 0;  // 0 first.last<n>, 1 <initial><last><n>, 2 first_last<n>
  int email_domain = 0;
  int type = 0;  // into kCustomerTypes
  int city = 0;  // into the region's cities
  int street_number = 0;
  int street_name = 0;
  int street_suffix = 0;
  int secondary_number = 0;     // apartment/flat number, 0 for none
  uint64_t postal_bits = 0;     // fills the city's postal pattern
  int64_t latitude_micros = 0;  // millionths of a degree
  int64_t longitude_micros = 0;
};

class CustomerPool {
 public:
  // About eight purchases per customer on average over the run, and at least 16 per region.
  static int64_t SizeFor(int64_t total_events, int region_count);

  // REQUIRES: per_region >= 1.
  CustomerPool(uint64_t seed, int64_t per_region);

  // The index of the customer who makes the next purchase in `region`.
  uint64_t Draw(Rng& rng, int region) const {
    return sampler_.Draw(rng) * kRegionCount + static_cast<uint64_t>(region);
  }

  // Everything about customer `index`; the same index always gives the same customer.
  Customer Describe(uint64_t index) const;

  int64_t per_region() const { return static_cast<int64_t>(sampler_.size()); }

 private:
  uint64_t seed_;
  PowerLawSampler<4> sampler_;
};

}  // namespace shoal::datagen

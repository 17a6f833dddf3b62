// TransactionEvent: one purchase, as numbers and indexes into the catalog (no text yet), and
// TransactionFactory, which draws the random parts of an event.
//
// Keeping values apart from text lets the JSONL and CSV writers share one event and lets tests
// check domains without parsing. Amounts follow the reference: unit price and tax rate are whole
// cents/percent, subtotal and total are unrounded doubles, tax is rounded to cents.
//
// Thread-safety: TransactionFactory is immutable after construction; Make uses the caller's Rng.
#pragma once

#include <cstdint>

#include "datagen/catalog.h"
#include "datagen/customers.h"
#include "datagen/random.h"

namespace shoal::datagen {

struct TransactionEvent {
  int64_t timestamp_micros = 0;
  int region = 0;  // canonical region index
  Uuid event_id;
  Uuid transaction_id;
  Customer customer;
  int product = 0;      // index into ProductCatalog::products()
  int quantity = 1;     // 1..5
  int tax_percent = 5;  // 5..15
  int payment_method = 0;
  int payment_status = 0;
  int shipping_method = 0;
  int delivery_days = 1;  // 1..7, estimated_delivery = timestamp + delivery_days
};

struct Amounts {
  double unit_price;
  double subtotal;  // unit_price * quantity, not rounded
  double tax_rate;
  int64_t tax_cents;  // round(subtotal * tax_rate, 2) in cents
  double tax_amount;
  double total_amount;  // subtotal + tax_amount, not rounded
};

Amounts ComputeAmounts(int64_t price_cents, int quantity, int tax_percent);

class TransactionFactory {
 public:
  // Both must outlive the factory.
  TransactionFactory(const ProductCatalog& catalog, const CustomerPool& customers);

  // Fills `event` for a purchase at `timestamp_micros` in `region`. With `payment_failures`
  // (an injected anomaly) the payment fails with probability kFailureSpikeProbability.
  void Make(Rng& rng, int64_t timestamp_micros, int region, bool payment_failures,
            TransactionEvent* event) const;

 private:
  const CustomerPool& customers_;
  PowerLawSampler<2> products_;
};

}  // namespace shoal::datagen

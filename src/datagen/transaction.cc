#include "datagen/transaction.h"

#include <cmath>

#include "datagen/schedule.h"

namespace shoal::datagen {

Amounts ComputeAmounts(int64_t price_cents, int quantity, int tax_percent) {
  Amounts a;
  a.unit_price = static_cast<double>(price_cents) / 100.0;
  a.subtotal = a.unit_price * quantity;
  a.tax_rate = tax_percent / 100.0;
  // nearbyint rounds half to even, like Python's round().
  a.tax_cents = static_cast<int64_t>(std::nearbyint(a.subtotal * a.tax_rate * 100.0));
  a.tax_amount = static_cast<double>(a.tax_cents) / 100.0;
  a.total_amount = a.subtotal + a.tax_amount;
  return a;
}

TransactionFactory::TransactionFactory(const ProductCatalog& catalog, const CustomerPool& customers)
    : customers_(customers), products_(catalog.products().size()) {}

void TransactionFactory::Make(Rng& rng, int64_t timestamp_micros, int region, bool payment_failures,
                              TransactionEvent* e) const {
  e->timestamp_micros = timestamp_micros;
  e->region = region;
  const uint64_t a = rng.Next();
  e->event_id = MakeUuid(a, rng.Next());
  const uint64_t b = rng.Next();
  e->transaction_id = MakeUuid(b, rng.Next());
  e->customer = customers_.Describe(customers_.Draw(rng, region));
  e->product = static_cast<int>(products_.Draw(rng));
  e->quantity = 1 + static_cast<int>(rng.Below(5));
  e->tax_percent = 5 + static_cast<int>(rng.Below(11));
  e->payment_method = static_cast<int>(rng.Below(kPaymentMethods.size()));
  e->payment_status = static_cast<int>(rng.Below(kPaymentStatuses.size()));
  if (payment_failures && rng.Uniform() < kFailureSpikeProbability) {
    e->payment_status = kFailedStatus;
  }
  e->shipping_method = static_cast<int>(rng.Below(kShippingMethods.size()));
  // Delivery estimates follow the shipping method: standard 3-7 days, express 2-3, overnight 1.
  switch (e->shipping_method) {
    case 0:
      e->delivery_days = 3 + static_cast<int>(rng.Below(5));
      break;
    case 1:
      e->delivery_days = 2 + static_cast<int>(rng.Below(2));
      break;
    default:
      e->delivery_days = 1;
      break;
  }
}

}  // namespace shoal::datagen

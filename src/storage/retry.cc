#include "storage/retry.h"

#include <algorithm>
#include <random>

namespace shoal::storage {

bool IsRetryableHttpStatus(long http_status) {
  return http_status == 429 || (http_status >= 500 && http_status <= 599);
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt,
                                       const std::function<double()>& uniform01) {
  if (attempt < 1) attempt = 1;
  // Doubling stops well before overflow; the cap applies anyway.
  int doublings = std::min(attempt - 1, 30);
  double ceiling =
      static_cast<double>(policy.base_delay.count()) * static_cast<double>(1LL << doublings);
  ceiling = std::min(ceiling, static_cast<double>(policy.max_delay.count()));
  double r = uniform01 ? uniform01() : 0.0;
  r = std::clamp(r, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(ceiling * r));
}

double DefaultJitter() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace shoal::storage

// Retry policy for S3 requests: which failures are worth another attempt, and how long to wait
// before it (exponential backoff with full jitter, bounded attempts).
//
// Retried: HTTP 5xx, HTTP 429, and transport failures (connection refused or reset, timeouts,
// truncated responses). Never retried: other 4xx, which a second attempt cannot fix.
//
// Thread-safety: RetryPolicy is a plain value; the functions are stateless. The jitter source is
// passed in, so tests are deterministic.
#pragma once

#include <chrono>
#include <functional>

namespace shoal::storage {

struct RetryPolicy {
  int max_attempts = 5;  // attempts in total, including the first; at least 1
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{5000};
};

// True for HTTP statuses worth retrying: 429 and 5xx.
bool IsRetryableHttpStatus(long http_status);

// The wait before attempt `attempt + 1`, after `attempt` (1-based) attempts failed: uniformly
// random in [0, min(max_delay, base_delay * 2^(attempt-1))] ("full jitter"). `uniform01` returns
// a number in [0, 1).
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt,
                                       const std::function<double()>& uniform01);

// A uniform01 source backed by a thread-local random engine.
double DefaultJitter();

}  // namespace shoal::storage

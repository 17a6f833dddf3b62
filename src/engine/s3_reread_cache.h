// RereadCache: the first large buffer of recently opened S3 objects, kept for one re-read.
//
// DuckDB reads the start of a file twice in one query: read_json_auto (and read_csv) first
// sample each file to detect its schema, then scan it from the start again, each time through a
// new handle. On local disk the second read comes from the page cache; over S3 it would be a
// second download of the same bytes (up to 32 MiB per file). The S3 file system offers each read
// that starts at offset 0 and is at least `min_size` bytes here; a later read of that object's
// version (same URL, ETag and size) inside the kept range takes it and the entry is dropped
// (consume-once). Memory is bounded by `budget` bytes: when full, new entries are refused rather
// than old ones evicted, so the first files of a sampled list stay (an LRU would evict exactly
// the entries the scan needs first). A read that finds nothing to take although the previous
// read of that object was offered is that re-read itself (its first read was refused for want
// of room): it is not kept, so scans do not fill the budget with buffers nobody reads again.
// Entries nobody takes expire after `ttl`.
//
// Thread-safety: all methods may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace shoal::engine {

class RereadCache {
 public:
  using Clock = std::chrono::steady_clock;

  RereadCache(size_t budget, size_t min_size, std::chrono::milliseconds ttl)
      : budget_(budget), min_size_(min_size), ttl_(ttl) {}

  // Identifies one version of an object.
  static std::string Key(const std::string& url, const std::string& etag, uint64_t size) {
    return url + '\n' + etag + '\n' + std::to_string(size);
  }

  // Keeps `data` (object bytes from offset 0) for one re-read, if it is large enough, fits, and
  // is not itself the re-read of an earlier offer.
  void Offer(const std::string& key, std::string data, Clock::time_point now = Clock::now());

  // Copies bytes [0, n) of `key` into `out` and forgets the entry, when an entry holds them.
  bool Take(const std::string& key, size_t n, char* out, Clock::time_point now = Clock::now());

  size_t used() const {
    std::lock_guard<std::mutex> lock(mu_);
    return used_;
  }

 private:
  struct Entry {
    std::string key;
    std::string data;
    Clock::time_point added;
  };
  void Expire(Clock::time_point now);  // REQUIRES: mu_ held

  const size_t budget_;
  const size_t min_size_;
  const std::chrono::milliseconds ttl_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // oldest first
  size_t used_ = 0;
  // Objects offered (kept or not) whose re-read has not come yet, with the time of the offer.
  std::unordered_map<std::string, Clock::time_point> awaiting_reread_;
};

}  // namespace shoal::engine

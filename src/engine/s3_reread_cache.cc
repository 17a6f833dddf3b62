#include "engine/s3_reread_cache.h"

#include <cstring>
#include <iterator>

namespace shoal::engine {

void RereadCache::Expire(Clock::time_point now) {
  while (!entries_.empty() && now - entries_.front().added > ttl_) {
    used_ -= entries_.front().data.size();
    entries_.pop_front();
  }
  for (auto it = awaiting_reread_.begin(); it != awaiting_reread_.end();) {
    it = now - it->second > ttl_ ? awaiting_reread_.erase(it) : std::next(it);
  }
}

void RereadCache::Offer(const std::string& key, std::string data, Clock::time_point now) {
  if (data.size() < min_size_) return;
  std::lock_guard<std::mutex> lock(mu_);
  Expire(now);
  if (awaiting_reread_.erase(key) > 0) return;  // this is the re-read; its first read was refused
  awaiting_reread_[key] = now;
  if (used_ + data.size() > budget_) return;
  for (const Entry& entry : entries_) {
    if (entry.key == key) return;  // one copy per object version is enough
  }
  used_ += data.size();
  entries_.push_back({key, std::move(data), now});
}

bool RereadCache::Take(const std::string& key, size_t n, char* out, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  Expire(now);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->key != key || it->data.size() < n) continue;
    std::memcpy(out, it->data.data(), n);
    awaiting_reread_.erase(key);
    used_ -= it->data.size();
    entries_.erase(it);
    return true;
  }
  return false;
}

}  // namespace shoal::engine

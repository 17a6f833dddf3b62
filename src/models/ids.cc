#include "models/ids.h"

#include <memory>
#include <random>

namespace shoal::models {
namespace {

std::string FormatUuid(uint64_t high, uint64_t low) {
  // RFC 4122 version 4: version nibble 4, variant bits 10.
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    uint64_t word = i < 16 ? high : low;
    int shift = 60 - 4 * (i % 16);
    out += kHex[(word >> shift) & 0xF];
  }
  return out;
}

RandomSource& ThreadSource() {
  thread_local RandomSource source = MakeRandomSource();
  return source;
}

}  // namespace

RandomSource MakeRandomSource() {
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device()};
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine] { return (*engine)(); };
}

RandomSource MakeSeededRandomSource(uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine] { return (*engine)(); };
}

std::string NewUuid(const RandomSource& random) {
  uint64_t high = random();
  uint64_t low = random();
  return FormatUuid(high, low);
}

std::string NewJobId(const RandomSource& random) { return "j-" + NewUuid(random); }
std::string NewExecutionId(const RandomSource& random) { return "e-" + NewUuid(random); }
std::string NewNodeId(const RandomSource& random) { return "n-" + NewUuid(random); }

std::string NewUuid() { return NewUuid(ThreadSource()); }
std::string NewJobId() { return NewJobId(ThreadSource()); }
std::string NewExecutionId() { return NewExecutionId(ThreadSource()); }

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
      continue;
    }
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

bool IsJobId(std::string_view text) { return text.substr(0, 2) == "j-" && IsUuid(text.substr(2)); }

bool IsExecutionId(std::string_view text) {
  return text.substr(0, 2) == "e-" && IsUuid(text.substr(2));
}

}  // namespace shoal::models

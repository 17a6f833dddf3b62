// Seeded pseudo-random numbers for the generator: splitmix64 for hashing and seeding,
// xoshiro256** for event streams, and version-4 UUIDs built from them.
//
// Nothing here touches std::random_device or a clock: the same seed always yields the same
// numbers on every run and machine (integer arithmetic only; the one floating-point helper is an
// exact scaling). Speed matters: the generator draws about fifteen numbers per event.
//
// Thread-safety: Rng is a plain value; use one per thread. The free functions are pure.
#pragma once

#include <cstdint>

namespace shoal::datagen {

// One step of splitmix64: advances `state` and returns a well-mixed 64-bit value.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A stateless hash of two values, used to derive independent streams (per file, per customer,
// per hour) from the user's seed.
inline uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t state = a ^ (b * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
  SplitMix64(state);
  return SplitMix64(state);
}

// xoshiro256** (Blackman and Vigna): fast, 256-bit state, passes BigCrush.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t state = seed;
    for (uint64_t& word : s_) word = SplitMix64(state);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) by Lemire's multiply-shift; the bias (< n / 2^64) is irrelevant here.
  // REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    __extension__ using Wide = unsigned __int128;
    return static_cast<uint64_t>((static_cast<Wide>(Next()) * n) >> 64);
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// 128 random bits shaped as an RFC 4122 version-4 UUID.
struct Uuid {
  uint64_t hi = 0;
  uint64_t lo = 0;
};

// Sets the version (4) and variant (10xx) bits of two random words.
inline Uuid MakeUuid(uint64_t hi, uint64_t lo) {
  return Uuid{(hi & ~0xf000ULL) | 0x4000ULL, (lo & ~(3ULL << 62)) | (2ULL << 62)};
}

inline constexpr int kUuidTextLength = 36;

// Draws ranks 0..n-1 with a power-law popularity, P(rank r) roughly proportional to
// (r + 1)^-(1 - 1/K): rank 0 is the most popular. K = 2 gives exponent 0.5 (mild skew), K = 4
// gives 0.75 (the top 20% of ranks take 60% of the draws for n = 1,000, 66% for n = 10^6). The
// inverse CDF of the continuous law needs only a K-th power, so drawing uses multiplications and
// the setup one or two square roots: all exactly rounded IEEE operations, the same on every
// machine.
template <int K>
class PowerLawSampler {
  static_assert(K == 2 || K == 4, "only square and fourth powers are supported");

 public:
  // REQUIRES: n >= 1.
  explicit PowerLawSampler(uint64_t n) : n_(n) {
    double root = __builtin_sqrt(static_cast<double>(n) + 1.0);
    if (K == 4) root = __builtin_sqrt(root);
    scale_ = root - 1.0;
  }

  uint64_t Draw(Rng& rng) const {
    const double base = scale_ * rng.Uniform() + 1.0;  // in [1, (n+1)^(1/K))
    double x = base * base;
    if (K == 4) x *= x;
    const uint64_t rank = static_cast<uint64_t>(x) - 1;
    return rank < n_ ? rank : n_ - 1;
  }

  uint64_t size() const { return n_; }

 private:
  uint64_t n_;
  double scale_;
};

// Writes the canonical 36-char lower-case form, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
char* FormatUuid(const Uuid& uuid, char* out);

}  // namespace shoal::datagen

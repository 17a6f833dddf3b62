#include "datagen/random.h"

#include <array>

namespace shoal::datagen {
namespace {

// "00".."ff": two hex digits per byte, so a UUID is 16 two-byte copies.
constexpr std::array<char, 512> MakeHexPairs() {
  constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 512> table{};
  for (int i = 0; i < 256; ++i) {
    table[2 * i] = kDigits[i >> 4];
    table[2 * i + 1] = kDigits[i & 15];
  }
  return table;
}
constexpr std::array<char, 512> kHexPairs = MakeHexPairs();

char* PutHexBytes(uint64_t word, int first_byte, int byte_count, char* out) {
  for (int i = 0; i < byte_count; ++i) {
    const unsigned byte = static_cast<unsigned>(word >> (8 * (7 - first_byte - i))) & 0xff;
    out[0] = kHexPairs[2 * byte];
    out[1] = kHexPairs[2 * byte + 1];
    out += 2;
  }
  return out;
}

}  // namespace

char* FormatUuid(const Uuid& uuid, char* out) {
  out = PutHexBytes(uuid.hi, 0, 4, out);
  *out++ = '-';
  out = PutHexBytes(uuid.hi, 4, 2, out);
  *out++ = '-';
  out = PutHexBytes(uuid.hi, 6, 2, out);
  *out++ = '-';
  out = PutHexBytes(uuid.lo, 0, 2, out);
  *out++ = '-';
  return PutHexBytes(uuid.lo, 2, 6, out);
}

}  // namespace shoal::datagen

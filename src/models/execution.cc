#include "models/execution.h"

namespace shoal::models {

std::string TruncateOutput(std::string_view text, bool* truncated) {
  if (text.size() <= kRunOutputLimitBytes) {
    *truncated = false;
    return std::string(text);
  }
  *truncated = true;
  size_t cut = kRunOutputLimitBytes;
  // Step back over UTF-8 continuation bytes (10xxxxxx) so the cut lands on a character start.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

}  // namespace shoal::models

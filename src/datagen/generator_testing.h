// Helpers the generator's unit tests share: options over a time range, the files a run makes (in
// memory), and a file's lines.
//
// Thread-safety: pure functions; Generated() runs the generator on the calling thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "datagen/generator.h"
#include "datagen/sink.h"

namespace shoal::datagen::testing {

// `count` transactions from `start` to `end` (microseconds), over regions 0-3.
inline GeneratorOptions RangeOptions(int64_t start, int64_t end, RotateInterval rotate,
                                     int64_t count) {
  GeneratorOptions options;
  options.start_micros = start;
  options.end_micros = end;
  options.rotate = rotate;
  options.count = count;
  options.regions = {0, 1, 2, 3};
  return options;
}

// Each file a run writes, by name, with its bytes.
inline std::map<std::string, std::string> Generated(const GeneratorOptions& options) {
  MemorySink sink;
  Result<GenerateStats> stats = Generate(options, sink);
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  return sink.files();
}

// The lines of `text`, each without its '\n'.
inline std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace shoal::datagen::testing

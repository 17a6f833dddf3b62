// generator_bench: how fast `shoal generate` makes transaction events, and whether writing them
// keeps up with the disk.
//
// One run measures, with the same event count and 1 MiB writes throughout:
//   (a) the generator on one thread into a DiscardSink: pure CPU cost, events/s and MB/s;
//   (b) the disk: the same number of bytes written to a file in a temp dir, then fdatasync;
//   (c) the generator writing a real file, fdatasync on close.
// (b) and (c) run twice, alternating, and the best of each is compared. The default 3 million
// events (about 3 GB) take 15-30 s on a disk of 500-1000 MB/s.
// It prints each figure and the ratios "cpu events/s vs target 1.5M" and "file MB/s / disk MB/s
// (target >= 0.8)". Timing never fails the run: the exit code is 0 unless something breaks.
//
// Usage: generator_bench [--events N] [--dir DIRECTORY]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "datagen/calendar.h"
#include "datagen/generator.h"
#include "datagen/options.h"
#include "datagen/sink.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace datagen = shoal::datagen;

constexpr double kTargetEventsPerSecond = 1.5e6;
constexpr double kTargetDiskRatio = 0.8;
constexpr int kRounds = 2;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Megabytes(int64_t bytes) { return static_cast<double>(bytes) / 1e6; }

// (b): `bytes` in 1 MiB writes of non-trivial content, then fdatasync; returns seconds.
double MeasureDisk(const std::filesystem::path& path, int64_t bytes) {
  std::vector<char> buffer(datagen::kWriteBufferBytes);
  for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>('a' + i * 7 % 26);
  const Clock::time_point start = Clock::now();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror("generator_bench: open");
    std::exit(1);
  }
  for (int64_t left = bytes; left > 0;) {
    const size_t chunk = static_cast<size_t>(std::min<int64_t>(left, buffer.size()));
    const ssize_t written = ::write(fd, buffer.data(), chunk);
    if (written <= 0) {
      std::perror("generator_bench: write");
      std::exit(1);
    }
    left -= written;
  }
  if (::fdatasync(fd) != 0) std::perror("generator_bench: fdatasync");
  ::close(fd);
  return Seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t events = 3'000'000;
  std::filesystem::path base = std::filesystem::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--events" && i + 1 < argc) {
      events = std::atoll(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      base = argv[++i];
    } else {
      std::fprintf(stderr, "usage: generator_bench [--events N] [--dir DIRECTORY]\n");
      return 2;
    }
  }

  datagen::GeneratorOptions options;
  options.count = events;
  for (int r = 0; r < 4; ++r) options.regions.push_back(r);
  options.start_micros = datagen::DaysFromCivil({2024, 1, 1}) * datagen::kMicrosPerDay;
  options.end_micros = options.start_micros + 7 * datagen::kMicrosPerDay;
  options.format = datagen::OutputFormat::kJsonl;
  options.seed = 42;

  const std::filesystem::path dir = base / fmt::format("shoal-generator-bench-{}", ::getpid());
  std::filesystem::create_directories(dir);

  // (a) CPU only.
  datagen::DiscardSink discard;
  Clock::time_point start = Clock::now();
  auto cpu = datagen::Generate(options, discard);
  const double cpu_seconds = Seconds(start);
  if (!cpu.ok()) {
    std::fprintf(stderr, "generator_bench: %s\n", cpu.status().ToString().c_str());
    return 1;
  }
  const int64_t bytes = cpu->bytes;

  // (b) and (c) alternate, twice each, and the best of each counts: the disk's speed drifts
  // with write-back of earlier runs, and alternating exposes both to the same drift.
  auto sink = datagen::FileSink::Create(dir.string(), {.sync_on_close = true});
  if (!sink.ok()) {
    std::fprintf(stderr, "generator_bench: %s\n", sink.status().ToString().c_str());
    return 1;
  }
  std::vector<double> disk_runs, file_runs;
  for (int round = 0; round < kRounds; ++round) {
    disk_runs.push_back(MeasureDisk(dir / "baseline.bin", bytes));
    std::filesystem::remove(dir / "baseline.bin");
    start = Clock::now();
    auto file = datagen::Generate(options, **sink);
    file_runs.push_back(Seconds(start));
    if (!file.ok()) {
      std::fprintf(stderr, "generator_bench: %s\n", file.status().ToString().c_str());
      std::filesystem::remove_all(dir);
      return 1;
    }
    std::filesystem::remove(dir / "transaction_events.jsonl");
  }
  std::filesystem::remove_all(dir);

  const double cpu_rate = static_cast<double>(cpu->events) / cpu_seconds;
  const double disk_seconds = *std::min_element(disk_runs.begin(), disk_runs.end());
  const double file_seconds = *std::min_element(file_runs.begin(), file_runs.end());
  const double disk_mbps = Megabytes(bytes) / disk_seconds;
  const double file_mbps = Megabytes(bytes) / file_seconds;
  auto list = [](const std::vector<double>& runs) {
    std::string text;
    for (double s : runs) text += fmt::format("{}{:.2f} s", text.empty() ? "" : ", ", s);
    return text;
  };
  fmt::print("generator_bench: {} events, {:.1f} MB of JSONL ({:.0f} bytes/event), dir {}\n",
             cpu->events, Megabytes(bytes), static_cast<double>(bytes) / cpu->events,
             base.string());
  fmt::print("  (a) cpu, discarding sink:  {:7.3f} s  {:9.0f} events/s  {:7.1f} MB/s\n",
             cpu_seconds, cpu_rate, Megabytes(bytes) / cpu_seconds);
  fmt::print("  (b) disk baseline, best:   {:7.3f} s  {:>9}           {:7.1f} MB/s  (runs: {})\n",
             disk_seconds, "", disk_mbps, list(disk_runs));
  fmt::print(
      "  (c) generator to file, best: {:5.3f} s  {:9.0f} events/s  {:7.1f} MB/s  (runs: {})\n",
      file_seconds, static_cast<double>(cpu->events) / file_seconds, file_mbps, list(file_runs));
  fmt::print("  cpu events/s vs target 1.5M:           {:.2f}x {}\n",
             cpu_rate / kTargetEventsPerSecond,
             cpu_rate >= kTargetEventsPerSecond ? "(met)" : "(below target)");
  fmt::print("  file MB/s / disk MB/s (target >= 0.8): {:.2f} {}\n", file_mbps / disk_mbps,
             file_mbps / disk_mbps >= kTargetDiskRatio ? "(met)" : "(below target)");
  return 0;
}

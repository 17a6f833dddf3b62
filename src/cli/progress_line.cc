#include "cli/progress_line.h"

#include <algorithm>
#include <ostream>

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/api_support.h"

namespace shoal::cli {

namespace {

// ANSI "erase to the end of the line", so a shorter line leaves nothing of a longer one behind.
constexpr const char* kEraseLine = "\x1b[K";
constexpr int kBarWidth = 20;
constexpr std::chrono::milliseconds kFirstDrawAfter{1000};
constexpr std::chrono::milliseconds kRedrawEvery{500};

// The first `columns` characters (UTF-8 code points) of `line`; all of it when columns < 1.
std::string CutToColumns(const std::string& line, int columns) {
  if (columns < 1) return line;
  int seen = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const bool starts_character = (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
    if (starts_character && seen++ == columns) return line.substr(0, i);
  }
  return line;
}

std::string Bar(double fraction) {
  const int filled = static_cast<int>(fraction * kBarWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kBarWidth) bar += '>';
  bar.resize(kBarWidth, ' ');
  return "[" + bar + "]";
}

}  // namespace

void AddJobProgress(const models::Job& job, const std::vector<models::Execution>& executions,
                    const std::map<std::string, std::string>& node_regions,
                    const std::string& region, RunProgress* progress) {
  for (const models::Execution& e : executions) {
    if (e.job_version != job.version) continue;
    progress->bytes_read += e.stats.bytes_read;
    progress->rows_read += e.stats.rows_read;
  }
  const models::PartitionCounts counts = models::CountPartitions(job, executions);
  progress->overall.total += counts.total;
  progress->overall.done += counts.done;
  progress->overall.running += counts.running;
  progress->overall.failed += counts.failed;
  progress->overall.finished += counts.finished;
  for (const models::Execution* e : models::LatestAttempts(job, executions)) {
    std::string where = region;
    if (where.empty()) {
      auto it = node_regions.find(e->node_id);
      if (it != node_regions.end()) where = it->second;
    }
    if (!where.empty()) progress->regions[where].Add(*e);
  }
}

std::string FormatProgressLine(const RunProgress& progress) {
  const models::PartitionCounts& all = progress.overall;
  double fraction = all.total > 0 ? all.finished / static_cast<double>(all.total) : 0;
  fraction = std::clamp(fraction, 0.0, 0.99);  // 100% only once it has ended
  std::string line =
      fmt::format(" {} {} {:>2}% {} {}/{} done", FormatElapsed(progress.elapsed), Bar(fraction),
                  static_cast<int>(fraction * 100), progress.label, all.done, all.total);
  if (all.running > 0) line += fmt::format(", {} running", all.running);
  if (all.failed > 0) line += fmt::format(", {} failed", all.failed);
  if (!progress.regions.empty()) {
    line += " ·";
    for (const auto& [region, counts] : progress.regions) {
      line += fmt::format(" {} {}/{}", region, counts.done, counts.total);
    }
  }
  if (progress.bytes_read > 0) {
    const double seconds = std::max(0.001, progress.elapsed.count() / 1000.0);
    line += fmt::format(
        " · {} read, {}/s", FormatBytes(progress.bytes_read),
        FormatBytes(static_cast<int64_t>(static_cast<double>(progress.bytes_read) / seconds)));
  }
  if (progress.rows_read > 0) line += fmt::format(" · {} rows", FormatCount(progress.rows_read));
  return line;
}

std::string FormatElapsed(std::chrono::milliseconds elapsed) {
  const int64_t seconds = elapsed.count() / 1000;
  if (seconds >= 3600) {
    return fmt::format("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
  }
  return fmt::format("{}:{:02}", seconds / 60, seconds % 60);
}

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

int StderrColumns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

ProgressDisplay::ProgressDisplay(std::ostream& out, int columns)
    : out_(out), columns_(columns), start_(std::chrono::steady_clock::now()) {}

std::chrono::milliseconds ProgressDisplay::Elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start_);
}

bool ProgressDisplay::Due() const {
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < kFirstDrawAfter) return false;
  return !drawn_ || now - last_draw_ >= kRedrawEvery;
}

void ProgressDisplay::Draw(const std::string& line) {
  if (!Due()) return;
  out_ << "\r" << CutToColumns(line, columns_ - 1) << kEraseLine << std::flush;
  last_draw_ = std::chrono::steady_clock::now();
  drawn_ = true;
}

void ProgressDisplay::Clear() {
  if (drawn_) out_ << "\r" << kEraseLine << std::flush;
  drawn_ = false;
}

}  // namespace shoal::cli

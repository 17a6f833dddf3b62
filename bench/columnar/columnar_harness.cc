// The pieces of columnar_bench: see columnar_harness.h.
#include "columnar/columnar_harness.h"

#include <csignal>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace shoal::bench::columnar {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;
using testing::ReadWholeFile;

namespace {

constexpr const char* kStateObject = "_shoal_table.json";
constexpr const char* kHiddenStateObject = "_shoal_table.json.hidden-by-bench";

// One CSV line's cells; quoted cells may hold commas and doubled quotes. `quoted` says which
// cells were quoted (an empty quoted cell is an empty string, an empty bare one NULL).
std::vector<AnswerCell> CsvCells(const std::string& line) {
  std::vector<AnswerCell> cells;
  std::string cell;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i <= line.size(); ++i) {
    const char c = i < line.size() ? line[i] : ',';
    if (in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      in_quotes = quoted = true;
    } else if (c == ',') {
      cells.push_back(cell.empty() && !quoted ? AnswerCell{} : AnswerCell{cell});
      cell.clear();
      quoted = false;
    } else {
      cell += c;
    }
  }
  return cells;
}

}  // namespace

void Die(const std::string& what) { throw Broken{what}; }

double SecondsSince(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

uint64_t CharsReadByThisProcess() {
  std::istringstream io(ReadWholeFile("/proc/self/io"));
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  Die("/proc/self/io has no rchar line");
}

Answer AnswerOfCsv(const std::string& csv) {
  Answer answer;
  std::istringstream lines(csv);
  std::string line;
  bool header = true;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<AnswerCell> cells = CsvCells(line);
    if (header) {
      for (const AnswerCell& cell : cells) answer.columns.push_back(cell.value_or(""));
      header = false;
    } else {
      answer.rows.push_back(std::move(cells));
    }
  }
  return answer;
}

uint64_t BytesUnder(const fs::path& root, const std::string& suffix) {
  uint64_t bytes = 0;
  if (!fs::exists(root)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().string().ends_with(suffix)) {
      bytes += entry.file_size();
    }
  }
  return bytes;
}

Stack::Stack(const std::string& shoal, const fs::path& dir) : shoal_(shoal), dir_(dir) {
  fs::create_directories(dir_);
  const std::string log = (dir_ / "devstack.log").string();
  process_ = std::make_unique<testing::BackgroundProcess>(
      std::vector<std::string>{shoal_, "devstack", "--dir", (dir_ / "stack").string(), "--port",
                               "0"},
      log);
  const std::string marker = "orchestrator on 127.0.0.1:";
  int port = 0;
  for (auto deadline = Steady::now() + std::chrono::seconds(30);
       port == 0 && Steady::now() < deadline && process_->alive();
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    const std::string text = ReadWholeFile(log);
    const size_t at = text.find(marker);
    if (text.find("Press Ctrl-C to stop.") != std::string::npos && at != std::string::npos) {
      port = std::atoi(text.c_str() + at + marker.size());
    }
  }
  if (port == 0) Die("the devstack did not start:\n" + ReadWholeFile(log));
  env_ = {{"SHOAL_API_HOST", "127.0.0.1"},
          {"SHOAL_API_PORT", std::to_string(port)},
          {"SHOAL_API_TOKEN_FILE", (dir_ / "stack" / "client.token").string()}};
}

Stack::~Stack() { process_->Kill(SIGTERM); }

testing::ProcessResult Stack::Shoal(std::vector<std::string> args, double* seconds) const {
  const std::string what = args.empty() ? "" : args[0] + (args.size() > 1 ? " " + args[1] : "");
  args.insert(args.begin(), shoal_);
  const auto start = Steady::now();
  testing::ProcessResult result = testing::RunProcess(args, "", env_);
  if (seconds != nullptr) *seconds = SecondsSince(start);
  if (result.exit_code != 0) Die("shoal " + what + " failed: " + result.err + result.out);
  return result;
}

fs::path Stack::Bucket(const std::string& region) const {
  return dir_ / "stack" / "storage" / region / "my-bucket";
}

fs::path Stack::Landing(const std::string& region) const { return Bucket(region) / "transactions"; }

fs::path Stack::Warehouse(const std::string& region) const {
  return Bucket(region) / "warehouse" / "transactions";
}

void Stack::ShowTableStates(bool visible) const {
  for (const std::string region : {"us", "eu"}) {
    const fs::path shown = Warehouse(region) / kStateObject;
    const fs::path hidden = Warehouse(region) / kHiddenStateObject;
    if (visible && fs::exists(hidden)) fs::rename(hidden, shown);
    if (!visible && fs::exists(shown)) fs::rename(shown, hidden);
  }
}

}  // namespace shoal::bench::columnar

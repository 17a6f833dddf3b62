// Runs the built `shoal generate` (SHOAL_BINARY) as a process: exit codes and messages for bad
// flags, and the files it writes for each format.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/testing/temp_dir.h"

extern char** environ;

namespace shoal::datagen {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class GenerateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* binary = std::getenv("SHOAL_BINARY");
    ASSERT_NE(binary, nullptr) << "SHOAL_BINARY must name the shoal binary (ctest sets it)";
    binary_ = binary;
    dir_ = shoal::testing::TempDir::ForCurrentTest();
  }

  // Runs `shoal generate <args>`, capturing stdout and stderr through files.
  Outcome Generate(std::vector<std::string> args) {
    args.insert(args.begin(), {binary_, "generate"});
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const std::string out = (dir_ / "stdout").string(), err = (dir_ / "stderr").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    Outcome outcome;
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0) {
      int status = 0;
      waitpid(pid, &status, 0);
      outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    posix_spawn_file_actions_destroy(&actions);
    outcome.out = ReadFile(out);
    outcome.err = ReadFile(err);
    fs::remove(out);
    fs::remove(err);
    return outcome;
  }

  // File name to content for every file in `dir`, hidden ones included.
  static std::map<std::string, std::string> Files(const fs::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      files[entry.path().filename().string()] = ReadFile(entry.path());
    }
    return files;
  }

  std::string binary_;
  shoal::testing::TempDir dir_;
};

TEST_F(GenerateCommandTest, UnknownRegionIsBadUsage) {
  const Outcome outcome =
      Generate({"--region", "mars", "--output", (dir_ / "out").string(), "--count", "10"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err,
            "shoal generate: --region 'mars' is not a known region; valid: us-east, us-west, "
            "eu-west, ap-south, or the prefixes us, eu, ap\n");
  EXPECT_EQ(outcome.out, "");
  EXPECT_FALSE(fs::exists(dir_ / "out"));  // nothing is created for a refused command
}

TEST_F(GenerateCommandTest, EveryBadFlagNamesItself) {
  const std::string out = (dir_ / "out").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--count", "0"}, "--count '0'"},
      {{"-n", "lots"}, "--count 'lots'"},
      {{"--format", "xml"}, "--format 'xml'"},
      {{"--type", "security"}, "--type 'security' is not supported yet"},
      {{"--rotate-interval", "week"}, "--rotate-interval 'week'"},
      {{"--start-date", "2024-13-01"}, "--start-date '2024-13-01'"},
      {{"--end-date", "01/02/2024"}, "--end-date '01/02/2024'"},
      {{"--start-date", "2024-02-01", "--end-date", "2024-01-01"},
       "--start-date 2024-02-01T00:00:00 must be before --end-date 2024-01-01T00:00:00"},
      {{"--seed", "abc"}, "--seed 'abc'"},
      {{"--anomaly-rate", "2"}, "--anomaly-rate '2'"},
      {{"--null-rate", "-0.5"}, "--null-rate '-0.5' is not valid: expected a number from 0 to 1"},
      {{"--null-rate=5%"}, "--null-rate '5%'"},
      {{"--days", "-3"}, "--days '-3'"},
      {{"--rotate-interval", "minute", "--count", "100000"}, "--count 100000 is too many"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args = flags;
    args.insert(args.end(), {"--output", out});
    const Outcome outcome = Generate(args);
    EXPECT_EQ(outcome.exit_code, 2) << flags[0];
    EXPECT_EQ(outcome.err.rfind("shoal generate: " + message, 0), 0u) << "got: " << outcome.err;
  }
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(GenerateCommandTest, OutputIsRequiredAndMustBeADirectory) {
  Outcome outcome = Generate({"--count", "10"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err,
            "shoal generate: --output is required: the directory to write files into\n");
  std::ofstream(dir_ / "file") << "x";
  outcome = Generate({"--output", (dir_ / "file").string()});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err.rfind("shoal generate: --output: ", 0), 0u) << outcome.err;
  EXPECT_NE(outcome.err.find("is not a directory"), std::string::npos);
}

TEST_F(GenerateCommandTest, UnwritableOutputIsAFailure) {
  const Outcome outcome = Generate({"--output", "/proc/shoal-generate-cannot-exist/x"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.err.rfind("shoal generate: --output: cannot create output directory", 0), 0u)
      << outcome.err;
}

TEST_F(GenerateCommandTest, MonthlyRotationWritesExactCounts) {
  const fs::path out = dir_ / "new" / "nested";  // created when missing
  const Outcome outcome =
      Generate({"--count", "3000", "--start-date", "2024-01-01", "--end-date", "2025-01-01",
                "--rotate-interval", "month", "--output", out.string()});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.out,
            "wrote 36000 transaction events to 12 jsonl file(s) in " + out.string() + "\n");
  const auto files = Files(out);
  ASSERT_EQ(files.size(), 12u);
  int month = 1;
  for (const auto& [name, content] : files) {
    char expected[64];
    std::snprintf(expected, sizeof expected, "transaction_events_2024-%02d.jsonl", month++);
    EXPECT_EQ(name, expected);
    EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), 3000) << name;
  }
}

TEST_F(GenerateCommandTest, SameSeedSameFilesInEveryFormat) {
  for (const std::string format : {"jsonl", "csv", "parquet"}) {
    auto run = [&](const std::string& name, const std::string& seed) {
      const fs::path out = dir_ / (format + "-" + name);
      const Outcome outcome =
          Generate({"-n", "500", "--start-date", "2024-03-01", "--days", "3", "--rotate-interval",
                    "day", "--format", format, "--seed", seed, "-o", out.string()});
      EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
      return Files(out);
    };
    const auto first = run("a", "7");
    ASSERT_EQ(first.size(), 3u) << format;  // no leftover temporary or partial files
    EXPECT_EQ(first.begin()->first, "transaction_events_2024-03-01." + format);
    EXPECT_EQ(run("b", "7"), first) << format;
    const auto other = run("c", "8");
    ASSERT_EQ(other.size(), 3u);
    for (const auto& [name, content] : other) EXPECT_NE(content, first.at(name)) << name;
    if (format == "parquet") {
      EXPECT_EQ(first.begin()->second.substr(0, 4), "PAR1");
    }
  }
}

TEST_F(GenerateCommandTest, DefaultSeedIsFixed) {
  ASSERT_EQ(Generate({"-o", (dir_ / "a").string()}).exit_code, 0);
  ASSERT_EQ(Generate({"-o", (dir_ / "b").string(), "--seed", "42"}).exit_code, 0);
  EXPECT_EQ(Files(dir_ / "a"), Files(dir_ / "b"));
  EXPECT_EQ(Files(dir_ / "a").begin()->first, "transaction_events.jsonl");
}

TEST_F(GenerateCommandTest, ListsAnomaliesWithoutWritingFiles) {
  const Outcome outcome = Generate({"--list-anomalies", "--start-date", "2024-01-01", "--end-date",
                                    "2025-01-01", "--region", "eu"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.out.rfind("hour,region,kind,burst_factor\n", 0), 0u);
  const auto lines = std::count(outcome.out.begin(), outcome.out.end(), '\n');
  EXPECT_GT(lines, 20);  // about 0.5% of 8784 hours
  EXPECT_LT(lines, 80);
  EXPECT_NE(outcome.out.find(",eu-west,"), std::string::npos);
  EXPECT_EQ(outcome.out.find(",us-east,"), std::string::npos);
}

}  // namespace
}  // namespace shoal::datagen

// What a Bacalhau user types, against a real `shoal devstack` process (one node per region,
// folder stores): the listing flags (--order-by, --order-reversed, --hide-header, --no-style,
// --wide, --output yaml), `job versions`, `job rerun`, `job describe --version`, `job results`,
// `job logs --tail`, `job get --raw --download-timeout-secs`, `job run --node-details
// --hide-warnings` and `-V A=1,B=2`, and `node list --filter-status --filter-approval --labels
// --show`, `node delete` of a connected node, and a job whose error recurs on any node failing
// at its first attempt. Each flag is checked for its effect, not only
// accepted. The devstack serves every case; the cases add jobs but never change the others'.
//
// DocumentedFlagsTest reads README.md and docs/*.md: every `shoal ...` command they show, and
// every flag in the flag tables under a "## `shoal VERB`" heading, must be accepted by the binary
// (its --help), so the docs cannot promise a flag the binary refuses.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "devstack_process.h"
#include "generator_job.h"
#include "run_process.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace shoal {
namespace {

namespace fs = std::filesystem;
using ::shoal::testing::ProcessResult;
using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;
using Json = nlohmann::json;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliParityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("shoal-cli-parity-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    devstack_ = std::make_unique<testing::DevstackProcess>(dir_);
    if (!devstack_->Start({"--nodes-per-region", "1"})) {
      setup_error_ = "the devstack did not start:\n" + devstack_->Log();
      return;
    }
    env_ = devstack_->Environment();
    // Bacalhau's comma form of -V sets every variable of the generator at once.
    auto generated =
        Shoal({"job", "run", testing::DataGeneratorJobWithNulls(SHOAL_SOURCE_ROOT, dir_), "-V",
               "Region=us,Events=60,StartDate=2024-01-01", "-V", "EndDate=2024-02-29", "-V",
               "RotateInterval=month"});
    if (generated.exit_code != 0) {
      setup_error_ = "generating failed: " + generated.err + devstack_->Log();
    }
  }

  static void TearDownTestSuite() {
    if (devstack_) devstack_->Stop();
    devstack_.reset();
    if (!::testing::UnitTest::GetInstance()->Failed()) fs::remove_all(dir_);
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static ProcessResult Shoal(std::vector<std::string> args) {
    args.insert(args.begin(), ShoalBinary());
    return RunProcess(args, "", env_);
  }

  // A duckdb job named `name` over the US events, printing `rows` rows (its stdout is the
  // table the duckdb engine prints: a header, a rule, the rows and a row count).
  static std::string RowsJob(const std::string& name, int rows) {
    const fs::path path = dir_ / (name + ".yaml");
    std::ofstream(path) << "Name: " << name
                        << "\nType: batch\nCount: 1\nConstraints:\n"
                           "  - Key: region\n    Operator: \"==\"\n    Values: [\"us\"]\n"
                           "Tasks:\n  - Name: main\n    Engine:\n      Type: duckdb\n"
                           "      Params:\n        SQL: SELECT range AS n FROM range("
                        << rows << ") ORDER BY n\n";
    return path.string();
  }

  static Json ParseJson(const ProcessResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Json parsed = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << r.out;
    return parsed;
  }

  static inline fs::path dir_;
  static inline std::unique_ptr<testing::DevstackProcess> devstack_;
  static inline std::map<std::string, std::string> env_;
  static inline std::string setup_error_;
};

TEST_F(CliParityTest, JobListOrdersPagesAndStylesAsAsked) {
  for (const std::string name : {"list-b", "list-a", "list-c"}) {
    ASSERT_EQ(Shoal({"job", "run", RowsJob(name, 1), "--id-only"}).exit_code, 0);
  }
  auto ids = [](const Json& jobs) {
    std::vector<std::string> out;
    for (const Json& job : jobs) out.push_back(job["ID"]);
    return out;
  };
  const Json newest_first = ParseJson(Shoal({"job", "list", "--limit", "0", "--output", "json"}));
  const Json by_id =
      ParseJson(Shoal({"job", "list", "--limit", "0", "--order-by", "id", "--output", "json"}));
  const Json by_id_reversed = ParseJson(Shoal(
      {"job", "list", "--limit", "0", "--order-by", "id", "--order-reversed", "--output", "json"}));
  ASSERT_GE(newest_first.size(), 4u);
  std::vector<std::string> sorted = ids(newest_first);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(ids(by_id), sorted);
  EXPECT_EQ(ids(by_id_reversed), std::vector<std::string>(sorted.rbegin(), sorted.rend()));
  EXPECT_EQ(newest_first[0]["Name"], "list-c");
  const Json oldest_first =
      ParseJson(Shoal({"job", "list", "--limit", "0", "--order-reversed", "--output", "json"}));
  const std::vector<std::string> newest_ids = ids(newest_first);
  EXPECT_EQ(ids(oldest_first), std::vector<std::string>(newest_ids.rbegin(), newest_ids.rend()));

  // Pages in ID order, and the hint names the order the token belongs to.
  auto page = Shoal({"job", "list", "--limit", "2", "--order-by", "id", "--output", "csv"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_TRUE(Contains(page.err, "more jobs: shoal job list --order-by id --next-token "))
      << page.err;

  // YAML is the same list.
  auto yaml = Shoal({"job", "list", "--limit", "0", "--output", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  YAML::Node listed = YAML::Load(yaml.out);
  ASSERT_TRUE(listed.IsSequence()) << yaml.out;
  ASSERT_EQ(listed.size(), newest_first.size());
  EXPECT_EQ(listed[0]["ID"].as<std::string>(), newest_first[0]["ID"].get<std::string>());
  EXPECT_EQ(listed[0]["Version"].as<int>(), 1);

  // Styles: no header, no decoration, whole IDs.
  auto plain = Shoal({"job", "list", "--limit", "0", "--hide-header", "--no-style", "--wide"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::vector<std::string> rows = Lines(plain.out);
  ASSERT_EQ(rows.size(), newest_first.size()) << plain.out;
  EXPECT_EQ(rows[0].rfind(newest_first[0]["ID"].get<std::string>() + "  list-c", 0), 0u)
      << plain.out;
  EXPECT_FALSE(Contains(plain.out, "|")) << plain.out;
  auto short_ids = Shoal({"job", "list", "--limit", "1"});
  EXPECT_TRUE(Contains(short_ids.out, newest_first[0]["ID"].get<std::string>().substr(0, 10)));
  EXPECT_FALSE(Contains(short_ids.out, newest_first[0]["ID"].get<std::string>()));

  auto bad = Shoal({"job", "list", "--order-by", "name"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "shoal job list: --order-by: unknown field 'name'; use created_at (newest first) or "
            "id\n");
}

TEST_F(CliParityTest, RerunMakesANewVersionThatVersionsAndDescribeShow) {
  auto first = Shoal({"job", "run", RowsJob("rerun-me", 3), "--merge", "--output", "csv"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "n\n0\n1\n2\n");

  auto rerun = Shoal({"job", "rerun", "rerun-me"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_TRUE(Contains(rerun.out, " runs again as version 2\n")) << rerun.out;
  // Wait for version 2 with the CLI: `job results` exits 3 until it has completed.
  ProcessResult results;
  for (int i = 0; i < 300; ++i) {
    results = Shoal({"job", "results", "rerun-me", "--merge", "--output", "csv"});
    if (results.exit_code != 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(results.exit_code, 0) << results.err;
  EXPECT_EQ(results.out, first.out);

  const Json versions = ParseJson(Shoal({"job", "versions", "rerun-me", "--output", "json"}));
  ASSERT_EQ(versions.size(), 2u) << versions.dump();
  EXPECT_EQ(versions[0]["Version"], 1);
  EXPECT_EQ(versions[1]["Version"], 2);
  EXPECT_EQ(versions[0]["Tasks"], versions[1]["Tasks"]);
  auto table = Shoal({"job", "versions", "rerun-me", "--hide-header"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(Lines(table.out).size(), 2u) << table.out;

  auto described =
      Shoal({"job", "describe", "rerun-me", "--version", "1", "--output", "yaml", "--pretty"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  YAML::Node v1 = YAML::Load(described.out);
  EXPECT_EQ(v1["Job"]["Version"].as<int>(), 1) << described.out;
  EXPECT_EQ(v1["Executions"].size(), 1u) << described.out;
  EXPECT_EQ(v1["Executions"][0]["JobVersion"].as<int>(), 1) << described.out;
  auto missing = Shoal({"job", "describe", "rerun-me", "-v", "9"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "has no version 9 (its versions are 1 to 2)")) << missing.err;
}

TEST_F(CliParityTest, LogsTailNodeDetailsHiddenWarningsAndRawGet) {
  // A reserved Meta key draws a warning from the orchestrator; --hide-warnings keeps it quiet.
  const std::string file = RowsJob("tail-me", 20);
  std::ofstream(file, std::ios::app) << "Meta:\n  bacalhau.org/requester: me\n";
  auto run = Shoal({"job", "run", file, "--node-details", "--hide-warnings", "--output", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(Contains(run.err, "warning")) << run.err;
  EXPECT_TRUE(Contains(run.err, "executions of job ")) << run.err;
  EXPECT_TRUE(Contains(run.err, "compute-us-1 | us ")) << run.err;
  const Json ran = Json::parse(run.out);  // stdout is the results alone
  const std::string id = ran["JobID"];

  auto all = Shoal({"job", "logs", id});
  auto tail = Shoal({"job", "logs", id, "--tail"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  const std::vector<std::string> all_lines = Lines(all.out);
  ASSERT_GT(all_lines.size(), 20u) << all.out;
  EXPECT_EQ(Lines(tail.out), std::vector<std::string>(all_lines.end() - 10, all_lines.end()))
      << tail.out;

  const fs::path out = dir_ / "raw-get";
  auto get = Shoal(
      {"job", "get", id, "--raw", "--download-timeout-secs", "30", "--output-dir", out.string()});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_TRUE(
      fs::exists(out / ran["Executions"][0]["ExecutionID"].get<std::string>() / "result.json"))
      << get.out;

  auto warned = Shoal({"job", "run", file, "--force", "--id-only"});
  EXPECT_TRUE(Contains(warned.err, "warning")) << warned.err;
}

// SQL that parses but names a column no file has fails on every node alike: the job fails at
// its first attempt instead of three, and says why.
TEST_F(CliParityTest, AnErrorNoRetryCanFixFailsTheJobAtOnce) {
  const fs::path file = dir_ / "no-such-column.yaml";
  std::ofstream(file) << "Name: no-such-column\nType: batch\nCount: 1\nTasks:\n  - Name: main\n"
                         "    Engine:\n      Type: duckdb\n      Params:\n"
                         "        SQL: SELECT no_such_column FROM range(3)\n";
  auto run = Shoal({"job", "run", file.string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(Contains(run.err, "failed with an error no retry can fix (not retried): "))
      << run.err;
  EXPECT_TRUE(Contains(run.err, "no_such_column")) << run.err;
  const Json executions =
      ParseJson(Shoal({"job", "executions", "no-such-column", "--output", "json"}));
  ASSERT_EQ(executions.size(), 1u) << executions.dump();
  EXPECT_EQ(executions[0]["RunOutput"]["Retryable"], false) << executions.dump();
}

TEST_F(CliParityTest, NodeListFiltersAndShowsColumnGroups) {
  const Json eu =
      ParseJson(Shoal({"node", "list", "--labels", "region=eu", "--filter-status", "connected",
                       "--filter-approval", "APPROVED", "--output", "json"}));
  ASSERT_EQ(eu.size(), 1u) << eu.dump();
  EXPECT_EQ(eu[0]["ID"], "compute-eu-1");
  const Json none =
      ParseJson(Shoal({"node", "list", "--filter-status", "disconnected", "--output", "json"}));
  EXPECT_TRUE(none.empty()) << none.dump();

  auto shown = Shoal({"node", "list", "--show", "capacity,version", "--labels", "region=us"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const std::string header = Lines(shown.out).at(0);
  for (const std::string column : {"CPU", "MEMORY", "SLOTS", "VERSION"}) {
    EXPECT_TRUE(Contains(header, column)) << header;
  }
  EXPECT_FALSE(Contains(header, "LABELS")) << header;
  EXPECT_TRUE(Contains(shown.out, "compute-us-1")) << shown.out;
  EXPECT_FALSE(Contains(shown.out, "compute-eu-1")) << shown.out;

  auto yaml = Shoal({"node", "describe", "compute-us-1", "--output", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_EQ(YAML::Load(yaml.out)["Labels"]["region"].as<std::string>(), "us") << yaml.out;

  auto bad = Shoal({"node", "list", "--filter-status", "gone"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "shoal node list: --filter-status: unknown value 'gone'; use CONNECTED or "
            "DISCONNECTED\n");
  auto connected = Shoal({"node", "delete", "compute-us-1"});
  EXPECT_EQ(connected.exit_code, 1);
  EXPECT_TRUE(Contains(connected.err,
                       "shoal node delete: node compute-us-1 is connected: stop "
                       "it first"))
      << connected.err;
  EXPECT_EQ(Shoal({"node", "describe", "compute-us-1"}).exit_code, 0);
}

// The command tree as the binary's --help describes it: each command's flags and subcommands.
class HelpTree {
 public:
  // The flags of `shoal PATH` (empty when PATH is not a command), from its --help.
  const std::set<std::string>& Flags(const std::vector<std::string>& path) {
    Load(path);
    return flags_[path];
  }
  bool IsSubcommand(const std::vector<std::string>& path, const std::string& word) {
    Load(path);
    return subcommands_[path].count(word) > 0;
  }
  const std::set<std::string>& Subcommands(const std::vector<std::string>& path) {
    Load(path);
    return subcommands_[path];
  }

 private:
  void Load(const std::vector<std::string>& path) {
    if (flags_.count(path)) return;
    std::vector<std::string> argv = {ShoalBinary()};
    argv.insert(argv.end(), path.begin(), path.end());
    argv.push_back("--help");
    const ProcessResult help = RunProcess(argv);
    std::set<std::string>& flags = flags_[path];
    std::set<std::string>& subcommands = subcommands_[path];
    if (help.exit_code != 0) return;
    static const std::regex kFlag("(^|[\\s,])(--?[A-Za-z][A-Za-z0-9-]*)");
    bool in_subcommands = false;
    for (const std::string& line : Lines(help.out)) {
      if (line.empty() || line[0] != ' ') {
        in_subcommands = line.rfind("Subcommands:", 0) == 0;
        continue;
      }
      if (in_subcommands) {
        std::istringstream words(line);
        std::string name;
        words >> name;
        subcommands.insert(name);
        continue;
      }
      for (auto it = std::sregex_iterator(line.begin(), line.end(), kFlag);
           it != std::sregex_iterator(); ++it) {
        flags.insert((*it)[2].str());
      }
    }
  }

  std::map<std::vector<std::string>, std::set<std::string>> flags_;
  std::map<std::vector<std::string>, std::set<std::string>> subcommands_;
};

// Words of a shell command line as docs write them: quoted parts are one word, and the line
// ends at a pipe, a redirection, a comment or a second command.
std::vector<std::string> ShellWords(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  char quote = 0;
  bool in_word = false;
  for (char c : text) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    word += c;
    in_word = true;
  }
  if (in_word) words.push_back(word);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "|" || w == "||" || w == "&&" || w == ";" || w == "#" || w[0] == '>' || w == "2>" ||
        w == "\\" || w == "<" || w == "&") {
      words.resize(i);
      break;
    }
  }
  return words;
}

struct DocCommand {
  std::string where;               // "docs/cli.md:12"
  std::vector<std::string> words;  // after "shoal"
};

// Every `shoal ...` in the docs' code: inline spans and the lines of fenced blocks.
std::vector<DocCommand> DocumentedCommands(const std::vector<fs::path>& files) {
  std::vector<DocCommand> commands;
  static const std::regex kShoal("(^|[\\s(`$])(?:\\./)?(?:build/)?shoal ([^`]*)");
  for (const fs::path& file : files) {
    std::ifstream in(file);
    bool fenced = false;
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      if (line.rfind("```", 0) == 0) {
        fenced = !fenced;
        continue;
      }
      std::vector<std::string> texts;
      if (fenced) {
        texts.push_back(line);
      } else {
        static const std::regex kSpan("`([^`]+)`");
        for (auto it = std::sregex_iterator(line.begin(), line.end(), kSpan);
             it != std::sregex_iterator(); ++it) {
          texts.push_back((*it)[1].str());
        }
      }
      for (const std::string& text : texts) {
        std::smatch match;
        if (!std::regex_search(text, match, kShoal)) continue;
        const std::string where =
            fs::relative(file, SHOAL_SOURCE_ROOT).string() + ":" + std::to_string(number);
        commands.push_back({where, ShellWords(match[2].str())});
      }
    }
  }
  return commands;
}

std::vector<fs::path> DocFiles() {
  std::vector<fs::path> files = {fs::path(SHOAL_SOURCE_ROOT) / "README.md"};
  for (const auto& entry : fs::directory_iterator(fs::path(SHOAL_SOURCE_ROOT) / "docs")) {
    if (entry.path().extension() == ".md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The flag a doc word names: "--output" of "--output=json"; empty when it is not a flag.
std::string FlagOf(const std::string& word) {
  if (word.size() < 2 || word[0] != '-' || word == "--" || std::isdigit(word[1])) return "";
  std::string flag = word.substr(0, word.find('='));
  static const std::regex kFlagName("--?[A-Za-z][A-Za-z0-9-]*");
  return std::regex_match(flag, kFlagName) ? flag : "";
}

TEST(DocumentedFlagsTest, EveryFlagTheDocsShowIsAccepted) {
  HelpTree tree;
  const std::set<std::string>& global = tree.Flags({});
  ASSERT_TRUE(global.count("--api-token-file")) << "shoal --help lists no global flags";
  size_t checked = 0;
  for (const DocCommand& command : DocumentedCommands(DocFiles())) {
    std::vector<std::string> path;
    size_t i = 0;
    while (i < command.words.size() && tree.IsSubcommand(path, command.words[i])) {
      path.push_back(command.words[i++]);
    }
    if (path.empty()) continue;  // prose about the binary, not a command
    for (; i < command.words.size(); ++i) {
      const std::string flag = FlagOf(command.words[i]);
      if (flag.empty()) continue;
      ++checked;
      EXPECT_TRUE(tree.Flags(path).count(flag) || global.count(flag))
          << command.where << ": `shoal " << ::testing::PrintToString(command.words)
          << "`: the binary's `" << path.back() << "` has no " << flag;
    }
  }
  EXPECT_GT(checked, 50u) << "the docs' commands were not found";
}

// The flag tables of docs/cli.md: under "## `shoal job list`", each row's flags belong to
// `shoal job list` (or, for a heading naming several verbs, to one of them or their verbs).
TEST(DocumentedFlagsTest, EveryFlagInTheCliReferenceTablesIsAccepted) {
  HelpTree tree;
  const std::set<std::string>& global = tree.Flags({});
  std::ifstream in(fs::path(SHOAL_SOURCE_ROOT) / "docs" / "cli.md");
  static const std::regex kHeading("^#+ `shoal ([^`]*)`");
  static const std::regex kRowSpan("`([^`]+)`");
  std::vector<std::vector<std::string>> verbs;  // the current heading's commands
  size_t checked = 0;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::smatch heading;
    if (std::regex_search(line, heading, kHeading)) {
      verbs.clear();
      std::vector<std::string> parent;
      // "node list | describe ID | approve ID": the first names the path, the others its siblings.
      std::string alternatives = heading[1].str();
      size_t start = 0;
      while (start <= alternatives.size()) {
        const size_t bar = alternatives.find(" | ", start);
        const std::vector<std::string> words =
            ShellWords(alternatives.substr(start, bar == std::string::npos ? bar : bar - start));
        std::vector<std::string> path = verbs.empty() ? std::vector<std::string>{} : parent;
        for (const std::string& word : words) {
          if (!tree.IsSubcommand(path, word)) break;
          path.push_back(word);
        }
        if (verbs.empty() && !path.empty()) parent.assign(path.begin(), path.end() - 1);
        if (!path.empty()) verbs.push_back(path);
        if (bar == std::string::npos) break;
        start = bar + 3;
      }
      continue;
    } else if (line.rfind("#", 0) == 0) {
      verbs.clear();
      continue;
    }
    if (verbs.empty() || line.rfind("| `", 0) != 0) continue;
    const std::string first_cell = line.substr(0, line.find(" |", 2));
    for (auto it = std::sregex_iterator(first_cell.begin(), first_cell.end(), kRowSpan);
         it != std::sregex_iterator(); ++it) {
      for (const std::string& word :
           ShellWords(std::regex_replace((*it)[1].str(), std::regex("[\\[\\],]"), " "))) {
        const std::string flag = FlagOf(word);
        if (flag.empty()) continue;
        ++checked;
        bool accepted = global.count(flag) > 0;
        for (const auto& verb : verbs) {
          accepted = accepted || tree.Flags(verb).count(flag);
          for (const std::string& sub : tree.Subcommands(verb)) {
            std::vector<std::string> child = verb;
            child.push_back(sub);
            accepted = accepted || tree.Flags(child).count(flag);
          }
        }
        EXPECT_TRUE(accepted) << "docs/cli.md:" << number << ": " << flag << " is not a flag of "
                              << ::testing::PrintToString(verbs);
      }
    }
  }
  EXPECT_GT(checked, 50u) << "the flag tables were not found";
}

}  // namespace
}  // namespace shoal

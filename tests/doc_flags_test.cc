// Every flag the docs show is one the binary takes. README.md and docs/*.md are read: every
// `shoal ...` command they show (inline code and code blocks), and every flag in docs/cli.md's
// tables under a "## `shoal VERB`" heading, is checked against the command tree the binary's
// --help describes, so the docs cannot promise a flag the binary refuses (issue 14).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/run_process.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using ::shoal::testing::ProcessResult;
using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;
using ::shoal::testing::SplitLines;

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
    for (const std::string& line : SplitLines(help.out)) {
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

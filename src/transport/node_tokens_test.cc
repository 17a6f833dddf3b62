// The node-tokens file: its format and the errors that name the line, issuing and revoking
// tokens (owner-only files, digests only in the file, other lines kept, no lost lines when
// commands run at once), and NodeTokens, which finds the node of a token and picks up changes.
#include "transport/node_tokens.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/testing/temp_dir.h"
#include "transport/auth.h"

namespace shoal::transport {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t Mode(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class NodeTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = shoal::testing::TempDir::ForCurrentTest();
    tokens_file_ = (dir_ / "node-tokens").string();
  }

  // Issues a token for `name` and returns it (read back from its token file).
  std::string Issue(const std::string& name) {
    const std::string token_file = (dir_ / (name + ".token")).string();
    auto issued = IssueNodeToken(tokens_file_, name, token_file);
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    auto token = ReadTokenFile(token_file, "test");
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? *token : "";
  }
  void WriteTokensFile(const std::string& text) {
    std::ofstream(tokens_file_, std::ios::binary | std::ios::trunc) << text;
  }

  shoal::testing::TempDir dir_;
  std::string tokens_file_;
};

TEST(NodeTokensFormatTest, ReadsNamesAndDigestsSkippingCommentsAndBlankLines) {
  const std::string a = TokenDigest("token-a");
  const std::string b = TokenDigest("token-b");
  EXPECT_EQ(a.rfind("sha256:", 0), 0u);
  EXPECT_EQ(a.size(), 7u + 64u);
  auto entries = ParseNodeTokens(
      "# US nodes\n\ncompute-us-1 " + a + "\r\n  compute-us-2\t" + b + "  \n   # the end", "f");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].name, "compute-us-1");
  EXPECT_EQ((*entries)[0].digest, a);
  EXPECT_EQ((*entries)[1].name, "compute-us-2");
  EXPECT_EQ((*entries)[1].digest, b);
  EXPECT_TRUE(ParseNodeTokens("", "f")->empty());  // no node yet is a valid file
}

TEST(NodeTokensFormatTest, ErrorsNameTheFileAndLineAndNeverQuoteAToken) {
  const std::string a = TokenDigest("token-a");
  auto message = [](const std::string& text) {
    auto parsed = ParseNodeTokens(text, "/etc/shoal/node-tokens");
    EXPECT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
    return parsed.status().message();
  };
  EXPECT_EQ(message("# nodes\ncompute-us-1\n"),
            "/etc/shoal/node-tokens:2: expected 'NAME sha256:HEX' (a node name and the digest of "
            "its token, as `shoal node token issue` writes them)");
  EXPECT_NE(message("a " + a + " extra\n").find(":1: expected 'NAME sha256:HEX'"),
            std::string::npos);
  // A token pasted where its digest belongs: said so, and the token is not repeated.
  const std::string pasted = message("compute-us-1 5f2b9c0e7d1a4b3c\n");
  EXPECT_NE(pasted.find(":1: node compute-us-1: the second word must be 'sha256:' and 64 "
                        "lowercase hex digits"),
            std::string::npos)
      << pasted;
  EXPECT_EQ(pasted.find("5f2b9c0e7d1a4b3c"), std::string::npos) << pasted;
  EXPECT_NE(message("n sha256:" + std::string(64, 'A') + "\n").find("lowercase hex"),
            std::string::npos);
  EXPECT_EQ(message("n-1 " + a + "\nn-2 " + TokenDigest("b") + "\nn-1 " + TokenDigest("c") + "\n"),
            "/etc/shoal/node-tokens:3: node n-1 is listed twice (also on line 1)");
  EXPECT_EQ(message("n-1 " + a + "\nn-2 " + a + "\n"),
            "/etc/shoal/node-tokens:2: node n-2 has the same token as node n-1 (line 1): each "
            "node needs its own token");
}

TEST(NodeTokensFormatTest, NodeNamesAreOneWordOfPrintableCharacters) {
  EXPECT_TRUE(ValidateNodeName("compute-us-1", "--name").ok());
  EXPECT_EQ(ValidateNodeName("", "--name").message(), "--name: the node name is empty");
  EXPECT_FALSE(ValidateNodeName("two words", "--name").ok());
  EXPECT_FALSE(ValidateNodeName("#hash", "--name").ok());
  EXPECT_FALSE(ValidateNodeName(std::string(256, 'n'), "--name").ok());
}

TEST_F(NodeTokensTest, IssueWritesTheTokenOwnerOnlyAndOnlyItsDigestToTheFile) {
  const mode_t old_umask = ::umask(0);  // a umask that would leave files world-readable
  const std::string token = Issue("compute-us-1");
  ::umask(old_umask);
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(Mode(dir_ / "compute-us-1.token"), 0600u);
  EXPECT_EQ(Mode(tokens_file_), 0600u);
  const std::string file = ReadAll(tokens_file_);
  EXPECT_EQ(file, "compute-us-1 " + TokenDigest(token) + "\n");
  EXPECT_EQ(file.find(token), std::string::npos);
}

TEST_F(NodeTokensTest, ReissuingReplacesTheLineAndKeepsTheOthers) {
  WriteTokensFile("# managed by hand above this line\n");
  const std::string first = Issue("compute-us-1");
  const std::string other = Issue("compute-eu-1");
  auto again = IssueNodeToken(tokens_file_, "compute-us-1", (dir_ / "compute-us-1.token").string());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->replaced);
  const std::string second = *ReadTokenFile((dir_ / "compute-us-1.token").string(), "t");
  EXPECT_NE(first, second);
  EXPECT_EQ(ReadAll(tokens_file_), "# managed by hand above this line\ncompute-us-1 " +
                                       TokenDigest(second) + "\ncompute-eu-1 " +
                                       TokenDigest(other) + "\n");

  ASSERT_TRUE(RevokeNodeToken(tokens_file_, "compute-us-1").ok());
  EXPECT_EQ(ReadAll(tokens_file_),
            "# managed by hand above this line\ncompute-eu-1 " + TokenDigest(other) + "\n");
  Status unknown = RevokeNodeToken(tokens_file_, "compute-us-1");
  EXPECT_EQ(unknown.code(), ErrorCode::kNotFound);
  EXPECT_EQ(unknown.message(), "node compute-us-1 has no token in '" + tokens_file_ + "'");
}

TEST_F(NodeTokensTest, ABrokenTokensFileIsNotEditedAndNoTokenIsWritten) {
  WriteTokensFile("compute-us-1 not-a-digest\n");
  const std::string token_file = (dir_ / "compute-us-2.token").string();
  auto issued = IssueNodeToken(tokens_file_, "compute-us-2", token_file);
  ASSERT_FALSE(issued.ok());
  EXPECT_NE(issued.status().message().find(tokens_file_ + ":1: node compute-us-1"),
            std::string::npos)
      << issued.status().message();
  EXPECT_FALSE(fs::exists(token_file));
  EXPECT_EQ(ReadAll(tokens_file_), "compute-us-1 not-a-digest\n");
  EXPECT_FALSE(IssueNodeToken(tokens_file_, "bad name", token_file).ok());
}

TEST_F(NodeTokensTest, CommandsRunAtOnceLoseNoLine) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([this, i] {
      const std::string name = "n-" + std::to_string(i);
      EXPECT_TRUE(IssueNodeToken(tokens_file_, name, (dir_ / (name + ".token")).string()).ok());
    });
  }
  for (auto& thread : threads) thread.join();
  auto entries = ReadNodeTokens(tokens_file_, "t");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  EXPECT_EQ(entries->size(), 8u);
}

TEST_F(NodeTokensTest, FindsTheNodeOfATokenAndPicksUpChanges) {
  const std::string a = Issue("compute-us-1");
  auto tokens = NodeTokens::Load(tokens_file_, 0ms);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_EQ(*(*tokens)->NodeFor(a), "compute-us-1");
  Result<std::string> guessed = (*tokens)->NodeFor("guessed");
  EXPECT_EQ(guessed.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(guessed.status().message(), "invalid token");
  EXPECT_TRUE((*tokens)->Contains(a));

  // Issued and revoked while the orchestrator runs: counted at the next look.
  const std::string b = Issue("compute-us-2");
  EXPECT_EQ(*(*tokens)->NodeFor(b), "compute-us-2");
  ASSERT_TRUE(RevokeNodeToken(tokens_file_, "compute-us-1").ok());
  EXPECT_FALSE((*tokens)->NodeFor(a).ok());
  EXPECT_EQ((*tokens)->names(), std::vector<std::string>{"compute-us-2"});

  // A broken edit, or a removed file, leaves the last good tokens in force.
  WriteTokensFile("compute-us-2 " + b + "\n");  // a token pasted by hand
  EXPECT_EQ(*(*tokens)->NodeFor(b), "compute-us-2");
  fs::remove(tokens_file_);
  EXPECT_EQ(*(*tokens)->NodeFor(b), "compute-us-2");
}

TEST_F(NodeTokensTest, ChangesCountOnlyAfterTheRecheckInterval) {
  Issue("compute-us-1");
  auto tokens = NodeTokens::Load(tokens_file_, 1h);
  ASSERT_TRUE(tokens.ok());
  const std::string b = Issue("compute-us-2");
  EXPECT_FALSE((*tokens)->NodeFor(b).ok());
}

TEST_F(NodeTokensTest, LoadWantsAReadableValidFile) {
  auto missing = NodeTokens::Load((dir_ / "nope").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--node-tokens-file: cannot read node tokens file '"),
            std::string::npos)
      << missing.status().message();
  WriteTokensFile("just-a-name\n");
  auto broken = NodeTokens::Load(tokens_file_);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find(tokens_file_ + ":1: expected"), std::string::npos);
  WriteTokensFile("# no node yet\n");
  auto empty = NodeTokens::Load(tokens_file_);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)->names().empty());
}

}  // namespace
}  // namespace shoal::transport

// Per-node tokens: the node-tokens file that tells the orchestrator which token is which compute
// node's, the commands' edits of it (issue, revoke), and NodeTokens, the lookup the compute
// channel authenticates nodes with (docs/deployment.md, "Node identity").
//
// The file holds one node per line, `NAME sha256:HEX`: the node's name and the SHA-256 digest of
// its token as 64 lowercase hex digits. Lines starting with `#` and blank lines are ignored. The
// file holds no token, only digests, so whoever reads it still cannot act as a node; tokens are
// 32 random bytes, so a digest cannot be turned back into one. A name appears once, and so does
// a digest (a token belongs to one node).
//
// Thread-safety: NodeTokens::NodeFor and names() may be called concurrently; NodeFor re-reads a
// changed file under the object's mutex. IssueNodeToken and RevokeNodeToken hold an advisory lock
// on `<file>.lock` while they rewrite the file, so commands run at once do not lose each other's
// lines; the rewrite is a rename, so a reader never sees half a file.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace shoal::transport {

// "sha256:" and the SHA-256 of `token` in lowercase hex: how the file names a token.
std::string TokenDigest(std::string_view token);

// A node name fit for the file and the compute channel: one word of printable characters, not
// starting with '#'. An InvalidArgument error names `what` (a flag, a file and line) otherwise.
Status ValidateNodeName(std::string_view name, std::string_view what);

struct NodeTokenEntry {
  std::string name;
  std::string digest;  // TokenDigest of the node's token
};

// The entries of a node-tokens file's `text`; an error names `path`, the line and what is wrong
// (never the line's text beyond the name).
Result<std::vector<NodeTokenEntry>> ParseNodeTokens(std::string_view text, std::string_view path);
// The entries of the file at `path`; a missing or unreadable file is an InvalidArgument error
// naming `what` (the flag) and the path.
Result<std::vector<NodeTokenEntry>> ReadNodeTokens(const std::string& path, std::string_view what);

struct IssuedToken {
  bool replaced = false;  // `name` had a token before, which no longer works
};
// Makes a random token for node `name`, writes it to `token_file` (mode 0600, replacing the file)
// and adds `name`'s digest to the node-tokens file `tokens_file` (created, mode 0600, when
// missing), replacing the line of an earlier token of `name`. Other lines are kept as they were.
Result<IssuedToken> IssueNodeToken(const std::string& tokens_file, const std::string& name,
                                   const std::string& token_file);
// Adds `name` with the token `token` (one made elsewhere, e.g. by the devstack) like
// IssueNodeToken, without writing the token anywhere.
Result<IssuedToken> AddNodeToken(const std::string& tokens_file, const std::string& name,
                                 std::string_view token);
// Removes `name`'s line from `tokens_file`; NotFound when it has none.
Status RevokeNodeToken(const std::string& tokens_file, const std::string& name);

// The node each token belongs to, from a node-tokens file the orchestrator was started with.
class NodeTokens {
 public:
  // Reads `path`, which must exist and parse (it may list no node yet). NodeFor reads the file
  // again at most every `recheck` (it is small: about 80 bytes a node) and, when its text
  // changed, takes the new tokens: a node issued or revoked while the orchestrator runs counts
  // within `recheck`. A changed file that does not parse (or disappeared) leaves the last good
  // tokens in force and writes a warning to stderr, once per change.
  static Result<std::unique_ptr<NodeTokens>> Load(
      std::string path, std::chrono::milliseconds recheck = std::chrono::seconds(1));

  NodeTokens(const NodeTokens&) = delete;
  NodeTokens& operator=(const NodeTokens&) = delete;

  // The name of the node `token` was issued to; kUnauthenticated "invalid token" when none.
  Result<std::string> NodeFor(std::string_view token) const;
  // The nodes that have a token, in file order.
  std::vector<std::string> names() const;
  // True when `token` is one of the nodes' (the orchestrator refuses such a client token).
  bool Contains(std::string_view token) const { return NodeFor(token).ok(); }
  const std::string& path() const { return path_; }

 private:
  NodeTokens(std::string path, std::chrono::milliseconds recheck)
      : path_(std::move(path)), recheck_(recheck) {}
  // Re-reads the file when it changed since the last look. REQUIRES: mu_ held.
  void RefreshLocked() const;
  void Install(std::vector<NodeTokenEntry> entries) const;  // REQUIRES: mu_ held

  const std::string path_;
  const std::chrono::milliseconds recheck_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::string> by_digest_;  // digest -> name
  mutable std::vector<std::string> names_;
  mutable std::string loaded_text_;         // the text by_digest_ came from
  mutable std::string refused_text_;        // the last text that did not parse (warned about once)
  mutable bool unreadable_warned_ = false;  // the file cannot be read, and a warning said so
  mutable std::chrono::steady_clock::time_point next_check_;
};

}  // namespace shoal::transport

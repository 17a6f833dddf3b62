#include "transport/node_tokens.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport/auth.h"

namespace shoal::transport {

namespace {

constexpr std::string_view kDigestPrefix = "sha256:";
constexpr size_t kMaxNodeName = 255;

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// The words of a line, split at spaces and tabs.
std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  line = TrimSpace(line);
  while (!line.empty()) {
    size_t end = 0;
    while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
    words.push_back(line.substr(0, end));
    line = TrimSpace(line.substr(end));
  }
  return words;
}

// True for a line that lists no node: blank or a comment.
bool Ignored(std::string_view line) {
  line = TrimSpace(line);
  return line.empty() || line.front() == '#';
}

bool IsDigest(std::string_view text) {
  if (text.substr(0, kDigestPrefix.size()) != kDigestPrefix) return false;
  const std::string_view hex = text.substr(kDigestPrefix.size());
  if (hex.size() != 2 * SHA256_DIGEST_LENGTH) return false;
  return hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Status Errno(const std::string& what, const std::string& path) {
  return Status::IoError("cannot " + what + " '" + path + "': " + std::strerror(errno));
}

// The text of the node-tokens file at `path`; an error names `what` (the flag) and the path.
Result<std::string> ReadText(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(std::string(what) + ": cannot read node tokens file '" + path +
                                   "': " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::InvalidArgument(std::string(what) + ": cannot read node tokens file '" + path +
                                   "'");
  }
  return text.str();
}

// Writes `text` to `path` with mode 0600 through a temp file renamed over it.
Status ReplaceFile(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  ::unlink(temp.c_str());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("write", path);
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  written = ::fchmod(fd, 0600) == 0 && written;
  written = ::fsync(fd) == 0 && written;
  written = ::close(fd) == 0 && written;
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    Status status = Errno("write", path);
    ::unlink(temp.c_str());
    return status;
  }
  return Status::Ok();
}

// Runs `edit` on the lines of the node-tokens file at `path` (none when it does not exist yet)
// while holding `<path>.lock`, checks the result parses, and writes it back.
Status EditTokensFile(const std::string& path,
                      const std::function<Status(std::vector<std::string>&)>& edit) {
  const std::string lock_path = path + ".lock";
  int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) return Errno("lock", path);
  if (::flock(lock, LOCK_EX) != 0) {
    Status status = Errno("lock", path);
    ::close(lock);
    return status;
  }
  Status status = [&]() -> Status {
    std::vector<std::string> lines;
    if (::access(path.c_str(), F_OK) == 0) {
      SHOAL_ASSIGN_OR_RETURN(auto entries, ReadNodeTokens(path, "node tokens file"));
      (void)entries;  // a file that does not parse is not edited: it needs a person first
      std::ifstream in(path, std::ios::binary);
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    SHOAL_RETURN_IF_ERROR(edit(lines));
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    SHOAL_RETURN_IF_ERROR(ParseNodeTokens(text, path).status());
    return ReplaceFile(path, text);
  }();
  ::close(lock);  // releases the lock
  return status;
}

// The index of `name`'s line in `lines`, or -1.
int FindNode(const std::vector<std::string>& lines, std::string_view name) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (Ignored(lines[i])) continue;
    std::vector<std::string_view> words = Words(lines[i]);
    if (!words.empty() && words[0] == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::string TokenDigest(std::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string text(kDigestPrefix);
  for (unsigned char b : digest) {
    text += kHex[b >> 4];
    text += kHex[b & 15];
  }
  return text;
}

Status ValidateNodeName(std::string_view name, std::string_view what) {
  if (name.empty()) return Status::InvalidArgument(std::string(what) + ": the node name is empty");
  if (name.size() > kMaxNodeName || name.front() == '#') {
    return Status::InvalidArgument(std::string(what) + ": '" + std::string(name) +
                                   "' is not a node name (at most 255 characters, not starting "
                                   "with '#')");
  }
  for (char c : name) {
    if (c <= 0x20 || c >= 0x7f) {
      return Status::InvalidArgument(
          std::string(what) +
          ": a node name must be one word of printable characters, without spaces");
    }
  }
  return Status::Ok();
}

Result<std::vector<NodeTokenEntry>> ParseNodeTokens(std::string_view text, std::string_view path) {
  std::vector<NodeTokenEntry> entries;
  std::map<std::string, size_t, std::less<>> name_line;
  std::map<std::string, std::pair<std::string, size_t>, std::less<>> digest_line;
  std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (Ignored(lines[i])) continue;
    const std::string where = std::string(path) + ":" + std::to_string(i + 1);
    std::vector<std::string_view> words = Words(lines[i]);
    // The message never quotes the second word: a person may have pasted a token there.
    if (words.size() != 2) {
      return Status::InvalidArgument(where +
                                     ": expected 'NAME sha256:HEX' (a node name and the digest "
                                     "of its token, as `shoal node token issue` writes them)");
    }
    SHOAL_RETURN_IF_ERROR(ValidateNodeName(words[0], where));
    const std::string name(words[0]);
    if (!IsDigest(words[1])) {
      return Status::InvalidArgument(
          where + ": node " + name +
          ": the second word must be 'sha256:' and 64 lowercase hex digits, the digest of the "
          "node's token (the token itself does not belong in this file)");
    }
    if (auto seen = name_line.find(name); seen != name_line.end()) {
      return Status::InvalidArgument(where + ": node " + name + " is listed twice (also on line " +
                                     std::to_string(seen->second) + ")");
    }
    const std::string digest(words[1]);
    if (auto seen = digest_line.find(digest); seen != digest_line.end()) {
      return Status::InvalidArgument(
          where + ": node " + name + " has the same token as node " + seen->second.first +
          " (line " + std::to_string(seen->second.second) + "): each node needs its own token");
    }
    name_line[name] = i + 1;
    digest_line[digest] = {name, i + 1};
    entries.push_back({name, digest});
  }
  return entries;
}

Result<std::vector<NodeTokenEntry>> ReadNodeTokens(const std::string& path, std::string_view what) {
  SHOAL_ASSIGN_OR_RETURN(std::string text, ReadText(path, what));
  return ParseNodeTokens(text, path);
}

Result<IssuedToken> AddNodeToken(const std::string& tokens_file, const std::string& name,
                                 std::string_view token) {
  SHOAL_RETURN_IF_ERROR(ValidateNodeName(name, "NAME"));
  IssuedToken issued;
  const std::string line = name + " " + TokenDigest(token);
  SHOAL_RETURN_IF_ERROR(EditTokensFile(tokens_file, [&](std::vector<std::string>& lines) {
    const int at = FindNode(lines, name);
    issued.replaced = at >= 0;
    if (at >= 0) {
      lines[at] = line;
    } else {
      lines.push_back(line);
    }
    return Status::Ok();
  }));
  return issued;
}

Result<IssuedToken> IssueNodeToken(const std::string& tokens_file, const std::string& name,
                                   const std::string& token_file) {
  SHOAL_RETURN_IF_ERROR(ValidateNodeName(name, "NAME"));
  if (token_file == tokens_file) {
    return Status::InvalidArgument("the token file and the node tokens file must differ ('" +
                                   token_file + "')");
  }
  // A broken node-tokens file stops the command before a token is written anywhere.
  if (::access(tokens_file.c_str(), F_OK) == 0) {
    SHOAL_RETURN_IF_ERROR(ReadNodeTokens(tokens_file, "--tokens-file").status());
  }
  SHOAL_ASSIGN_OR_RETURN(std::string token, RandomToken());
  SHOAL_RETURN_IF_ERROR(WriteTokenFile(token_file, token));
  return AddNodeToken(tokens_file, name, token);
}

Status RevokeNodeToken(const std::string& tokens_file, const std::string& name) {
  if (::access(tokens_file.c_str(), F_OK) != 0) {
    return Status::NotFound("node tokens file '" + tokens_file + "' does not exist");
  }
  return EditTokensFile(tokens_file, [&](std::vector<std::string>& lines) -> Status {
    const int at = FindNode(lines, name);
    if (at < 0) {
      return Status::NotFound("node " + name + " has no token in '" + tokens_file + "'");
    }
    lines.erase(lines.begin() + at);
    return Status::Ok();
  });
}

Result<std::unique_ptr<NodeTokens>> NodeTokens::Load(std::string path,
                                                     std::chrono::milliseconds recheck) {
  SHOAL_ASSIGN_OR_RETURN(std::string text, ReadText(path, "--node-tokens-file"));
  SHOAL_ASSIGN_OR_RETURN(auto entries, ParseNodeTokens(text, path));
  auto tokens = std::unique_ptr<NodeTokens>(new NodeTokens(std::move(path), recheck));
  std::lock_guard lock(tokens->mu_);
  tokens->Install(std::move(entries));
  tokens->loaded_text_ = std::move(text);
  tokens->next_check_ = std::chrono::steady_clock::now() + recheck;
  return tokens;
}

void NodeTokens::Install(std::vector<NodeTokenEntry> entries) const {
  by_digest_.clear();
  names_.clear();
  for (NodeTokenEntry& entry : entries) {
    names_.push_back(entry.name);
    by_digest_[std::move(entry.digest)] = std::move(entry.name);
  }
}

void NodeTokens::RefreshLocked() const {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_check_) return;
  next_check_ = now + recheck_;
  // One write per line, so the orchestrator's concurrent log lines do not interleave with it.
  auto say = [](const std::string& line) { std::cerr << (line + "\n") << std::flush; };
  Result<std::string> text = ReadText(path_, "--node-tokens-file");
  if (!text.ok()) {
    if (!unreadable_warned_) {
      say("shoal serve: warning: " + text.status().message() +
          "; the tokens read before stay in force");
    }
    unreadable_warned_ = true;
    return;
  }
  unreadable_warned_ = false;
  if (*text == loaded_text_ || *text == refused_text_) return;
  Result<std::vector<NodeTokenEntry>> entries = ParseNodeTokens(*text, path_);
  if (!entries.ok()) {
    refused_text_ = std::move(text).value();
    say("shoal serve: warning: not re-reading the node tokens file: " + entries.status().message() +
        "; the tokens read before stay in force");
    return;
  }
  Install(std::move(entries).value());
  loaded_text_ = std::move(text).value();
  say("shoal serve: re-read the node tokens file '" + path_ +
      "': " + std::to_string(names_.size()) + " node(s)");
}

Result<std::string> NodeTokens::NodeFor(std::string_view token) const {
  // The map is keyed by digest: looking one up tells a timing observer about the digest of a
  // guess, never about a real token.
  const std::string digest = TokenDigest(token);
  std::lock_guard lock(mu_);
  RefreshLocked();
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end()) return Status(ErrorCode::kUnauthenticated, "invalid token");
  return it->second;
}

std::vector<std::string> NodeTokens::names() const {
  std::lock_guard lock(mu_);
  RefreshLocked();
  return names_;
}

}  // namespace shoal::transport

#include "transport/auth.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shoal::transport {

namespace {

bool IsTokenCharacter(char c) { return c > 0x20 && c < 0x7f; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Hashing first makes both inputs the same length, so the comparison below takes the same
  // time for a token of the wrong length as for one wrong in its last character.
  unsigned char digest_a[SHA256_DIGEST_LENGTH];
  unsigned char digest_b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), digest_a);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), digest_b);
  return CRYPTO_memcmp(digest_a, digest_b, SHA256_DIGEST_LENGTH) == 0;
}

std::string_view BearerToken(std::string_view authorization) {
  authorization = Trim(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !EqualsIgnoringCase(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return {};
  }
  return Trim(authorization.substr(kScheme.size() + 1));
}

void BearerAuth::Require(std::string prefix, std::string token, std::string realm,
                         TokenResolver resolver) {
  rules_.push_back({std::move(prefix), std::move(token), std::move(realm), std::move(resolver)});
}

void BearerAuth::Open(std::string path) { open_paths_.push_back(std::move(path)); }

const BearerAuth::Rule* BearerAuth::RuleFor(std::string_view path) const {
  for (const std::string& open : open_paths_) {
    if (path == open) return nullptr;
  }
  const Rule* best = nullptr;
  for (const Rule& rule : rules_) {
    if (path.substr(0, rule.prefix.size()) == rule.prefix &&
        (best == nullptr || rule.prefix.size() > best->prefix.size())) {
      best = &rule;
    }
  }
  return best;
}

Result<std::string> BearerAuth::Authenticate(std::string_view path,
                                             std::string_view authorization) const {
  const Rule* rule = RuleFor(path);
  if (rule == nullptr || rule->open()) return std::string();
  std::string_view token = BearerToken(authorization);
  if (token.empty()) return Status(ErrorCode::kUnauthenticated, "missing bearer token");
  if (rule->resolver) {
    Result<std::string> name = rule->resolver(token);
    // An empty name would make the caller anonymous, which only the fixed token may be.
    if (name.ok() && !name->empty()) return name;
  }
  if (!rule->token.empty() && ConstantTimeEquals(token, rule->token)) return std::string();
  return Status(ErrorCode::kUnauthenticated, "invalid token");
}

Status BearerAuth::Check(std::string_view path, std::string_view authorization) const {
  return Authenticate(path, authorization).status();
}

std::string BearerAuth::RealmFor(std::string_view path) const {
  const Rule* rule = RuleFor(path);
  return rule == nullptr || rule->open() ? "" : rule->realm;
}

bool BearerAuth::any_token() const {
  for (const Rule& rule : rules_) {
    if (!rule.open()) return true;
  }
  return false;
}

std::string AuditLine(std::string_view method, std::string_view path, std::string_view remote,
                      std::string_view realm, const Status& refusal) {
  std::string line = "refused ";
  line.append(method).append(" ").append(path).append(" from ").append(remote);
  if (!realm.empty()) line.append(" (").append(realm).append(")");
  return line.append(": ").append(refusal.message());
}

Status ValidateToken(std::string_view token, std::string_view what) {
  if (token.empty()) return Status::InvalidArgument(std::string(what) + ": the token is empty");
  for (char c : token) {
    if (!IsTokenCharacter(c)) {
      return Status::InvalidArgument(
          std::string(what) +
          ": the token must be one word of printable characters (no spaces or line breaks)");
    }
  }
  return Status::Ok();
}

Result<std::string> ReadTokenFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(std::string(what) + ": cannot read token file '" + path +
                                   "': " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  SHOAL_RETURN_IF_ERROR(ValidateToken(token, std::string(what) + " '" + path + "'"));
  return token;
}

Result<std::string> RandomToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return Status::Internal("cannot generate a random token: OpenSSL's RAND_bytes failed");
  }
  static const char* kHex = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

Status WriteTokenFile(const std::string& path, const std::string& token) {
  const std::string temp = path + ".tmp";
  ::unlink(temp.c_str());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IoError("cannot write token file '" + path + "': " + std::strerror(errno));
  }
  const std::string text = token + "\n";
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  // The umask may have taken bits away but never adds any; make the mode exact anyway.
  written = ::fchmod(fd, 0600) == 0 && written;
  written = ::close(fd) == 0 && written;
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    Status status =
        Status::IoError("cannot write token file '" + path + "': " + std::strerror(errno));
    ::unlink(temp.c_str());
    return status;
  }
  return Status::Ok();
}

}  // namespace shoal::transport

// Bearer-token authentication for HttpServer: which paths need which token, the check of a
// request's `Authorization: Bearer <token>` header (in constant time), who the token says the
// caller is, the audit line written for a refused request, and the token files both sides read
// their tokens from.
//
// A BearerAuth is a list of rules built before the server starts and read-only afterwards. A
// rule accepts one fixed token (shared by every caller of its realm, who stays anonymous), or
// tokens a TokenResolver maps to a caller's name (one token per compute node), or both.
// Tokens are secrets: nothing here puts a token, or the header that carries one, into a
// message, a Status or an audit line.
//
// Thread-safety: Authenticate, Check, RealmFor and the free functions are safe to call
// concurrently (a resolver must be too); build a BearerAuth (Require, Open) from one thread
// before sharing it.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoal::transport {

// True when `a` equals `b`. Both are hashed with SHA-256 and the digests compared with
// CRYPTO_memcmp, so the time taken depends on neither where they differ nor their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The token of an Authorization header value "Bearer <token>" (the scheme in any case, spaces
// around the token ignored); empty when the value is empty or another scheme.
std::string_view BearerToken(std::string_view authorization);

// The name of the caller a bearer token was issued to (a compute node's name), or
// kUnauthenticated "invalid token" when it was issued to nobody. Never returns an empty name.
using TokenResolver = std::function<Result<std::string>(std::string_view token)>;

class BearerAuth {
 public:
  // Requests whose path starts with `prefix` must carry `token`, or a token `resolver` knows;
  // with neither (an empty token, no resolver) they are open. `realm` names the callers in
  // audit lines ("client API", "node channel"). The longest matching prefix wins; a path no
  // rule matches is open.
  void Require(std::string prefix, std::string token, std::string realm,
               TokenResolver resolver = nullptr);
  // Requests for exactly `path` are open whatever the prefixes say (health checks).
  void Open(std::string path);

  // Who may make a request for `path` with this Authorization header value: the name the rule's
  // resolver gives the token, or "" (anonymous) for the rule's fixed token or an open path.
  // Otherwise kUnauthenticated with the message "missing bearer token" or "invalid token".
  Result<std::string> Authenticate(std::string_view path, std::string_view authorization) const;
  // Authenticate without the name: OK when the request may proceed.
  Status Check(std::string_view path, std::string_view authorization) const;
  // The realm of the rule that covers `path`; "" when the path is open.
  std::string RealmFor(std::string_view path) const;
  // True when at least one rule asks for a token.
  bool any_token() const;

 private:
  struct Rule {
    std::string prefix;
    std::string token;  // the fixed token; empty: none
    std::string realm;
    TokenResolver resolver;  // null: none; no token and no resolver: open
    bool open() const { return token.empty() && !resolver; }
  };
  const Rule* RuleFor(std::string_view path) const;

  std::vector<Rule> rules_;
  std::vector<std::string> open_paths_;
};

// The audit line for a refused request, e.g. "refused POST /api/v1/orchestrator/jobs from
// 10.0.0.7:51234 (client API): invalid token". It names who, what and why, never the token.
std::string AuditLine(std::string_view method, std::string_view path, std::string_view remote,
                      std::string_view realm, const Status& refusal);

// Reads a token from `path`: the file's text without trailing whitespace (so a file written by
// `echo` works). An unreadable file, an empty token, or one with spaces or control characters
// inside is an InvalidArgument error naming `what` (the flag or variable) and the path.
Result<std::string> ReadTokenFile(const std::string& path, std::string_view what);
// Checks a token given directly (an environment variable named `what`): one or more printable
// characters without spaces, as ReadTokenFile requires.
Status ValidateToken(std::string_view token, std::string_view what);

// 32 random bytes from OpenSSL's CSPRNG, as 64 lowercase hex digits.
Result<std::string> RandomToken();
// Writes `token` and a newline to `path` with mode 0600 (through a temp file renamed over it,
// so the file is never readable by others, not even while it is written).
Status WriteTokenFile(const std::string& path, const std::string& token);

}  // namespace shoal::transport

// Status and Result<T>: how errors cross module boundaries in Shoal.
//
// A Status is OK or carries an ErrorCode and a message written for the user (it names what is
// wrong and where). Result<T> holds either a value or a non-OK Status. Exceptions never cross a
// module boundary; DuckDB's are converted to Status inside engine/.
//
// Thread-safety: plain values; safe to copy and move between threads, not to mutate concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace shoal {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // the user's input is wrong: bad flag, bad SQL, malformed file
  kNotFound,         // a named thing does not exist
  kAlreadyExists,
  kFailedPrecondition,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kUnavailable,  // a dependency (node, server) cannot be reached; worth retrying
  kDeadlineExceeded,
  kCancelled,
  kIoError,
  kInternal,  // a bug in Shoal
};

// The name used in messages, e.g. "invalid argument".
std::string_view ErrorCodeName(ErrorCode code);
// The HTTP status an API handler answers with for this code.
int HttpStatusFor(ErrorCode code);
// The code an HTTP status stands for (the inverse of HttpStatusFor, 413 included); `otherwise`
// for the statuses that name no code (500, 502, 3xx, ...).
ErrorCode ErrorCodeForHttpStatus(int http_status, ErrorCode otherwise);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {ErrorCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {ErrorCode::kNotFound, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {ErrorCode::kFailedPrecondition, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {ErrorCode::kPermissionDenied, std::move(msg)};
  }
  static Status Unavailable(std::string msg) { return {ErrorCode::kUnavailable, std::move(msg)}; }
  static Status IoError(std::string msg) { return {ErrorCode::kIoError, std::move(msg)}; }
  static Status Internal(std::string msg) { return {ErrorCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid argument: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(std::string_view context) const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// Holds a T or a non-OK Status. Accessing value() of an error is a programming error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace shoal

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define SHOAL_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::shoal::Status shoal_status_ = (expr);        \
    if (!shoal_status_.ok()) return shoal_status_; \
  } while (0)

#define SHOAL_CONCAT_INNER(a, b) a##b
#define SHOAL_CONCAT(a, b) SHOAL_CONCAT_INNER(a, b)
// `SHOAL_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns its Status.
#define SHOAL_ASSIGN_OR_RETURN(decl, expr)                 \
  auto SHOAL_CONCAT(shoal_result_, __LINE__) = (expr);     \
  if (!SHOAL_CONCAT(shoal_result_, __LINE__).ok())         \
    return SHOAL_CONCAT(shoal_result_, __LINE__).status(); \
  decl = std::move(SHOAL_CONCAT(shoal_result_, __LINE__)).value()

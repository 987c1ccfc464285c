// Status and Result<T>: errors as values across module boundaries. Both are [[nodiscard]]: a
// Status or Result that is dropped is a compile error under -Werror; `(void)` says it on purpose.
//
// A Status is OK or carries a code and a message that says what was wrong and where
// ("finger position 12 out of range 0-10 in record 3"). Result<T> holds a T or a non-OK
// Status. Neither throws; callers check ok() before using the value.
// Thread-safety: immutable values, safe to share once constructed.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace abis {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller's input is malformed or out of range
  kNotFound,           // a named object does not exist
  kAlreadyExists,      // creating something that exists
  kUnauthenticated,    // no or unknown credentials
  kPermissionDenied,   // known operator, role does not allow the action
  kFailedPrecondition, // the system is not in a state that allows the action
  kDataLoss,           // stored data is corrupt or fails authentication
  kIoError,            // file system or database I/O failed
  kResourceExhausted,  // a size or count limit was exceeded
  kUnimplemented,      // not supported (e.g. an unknown format version)
  kInternal,           // a bug: an invariant did not hold
  kUnavailable,        // a part of the system needed for the answer is down (retry elsewhere or later)
};

// Returns a stable lower-case name for the code, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: <message>", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with "<where>: ", for adding context on the way up.
  Status WithContext(std::string_view where) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Holds either a value or a non-OK Status.
// REQUIRES: a Result is never constructed from an OK Status (that is a bug; it becomes kInternal).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status)                           // NOLINT(google-explicit-constructor)
      : state_(status.ok() ? Status::Internal("Result constructed from an OK status") : std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  // REQUIRES for value(): ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error, or an OK status when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace abis

#define ABIS_STATUS_CONCAT_INNER(a, b) a##b
#define ABIS_STATUS_CONCAT(a, b) ABIS_STATUS_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) is not OK.
#define ABIS_RETURN_IF_ERROR(expr) ABIS_RETURN_IF_ERROR_N(__COUNTER__, expr)
#define ABIS_RETURN_IF_ERROR_N(n, expr) ABIS_RETURN_IF_ERROR_IMPL(ABIS_STATUS_CONCAT(abis_status_, n), expr)
#define ABIS_RETURN_IF_ERROR_IMPL(tmp, expr) \
  do {                                       \
    ::abis::Status tmp = (expr);             \
    if (!tmp.ok()) return tmp;               \
  } while (0)

// Evaluates `expr` (a Result<T>); on error returns its Status, else moves the value into `lhs`.
#define ABIS_ASSIGN_OR_RETURN(lhs, expr) ABIS_ASSIGN_OR_RETURN_N(__COUNTER__, lhs, expr)
#define ABIS_ASSIGN_OR_RETURN_N(n, lhs, expr) \
  ABIS_ASSIGN_OR_RETURN_IMPL(ABIS_STATUS_CONCAT(abis_result_, n), lhs, expr)
#define ABIS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

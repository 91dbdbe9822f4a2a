// attnrec's one error vocabulary, in the manner of leveldb::Status and
// absl::StatusOr: every layer (model/, storage/, service/) reports a failure
// caused by outside input (a request, a file, a flag, a full disk) as a
// Status with a code and a message a user can act on. api/ maps the codes
// to HTTP statuses in one table (api/responses.cpp). A broken internal
// invariant is a bug and asserts instead.
//
// Thread safety: plain values; copy freely.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace attnrec {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,  // a field, flag or line is present but wrong (HTTP 422)
    kMalformed,        // the input cannot be parsed at all (400)
    kNotFound,         // the named user, item, job, model or file does not exist (404)
    kConflict,         // the operation clashes with the current state (409)
    kTooLarge,         // over a configured limit, e.g. batch size (413)
    kUnavailable,      // not ready, locked, shutting down, overloaded (503)
    kCancelled,        // stopped on request (a cancelled training job)
    kCorruption,       // stored bytes fail a check (500)
    kIOError,          // the file system or the store failed (500)
    kInternal          // anything else that is not the caller's fault (500)
  };

  Status() = default;
  static Status ok() { return {}; }
  static Status invalid_argument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status malformed(std::string m) { return {Code::kMalformed, std::move(m)}; }
  static Status not_found(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status too_large(std::string m) { return {Code::kTooLarge, std::move(m)}; }
  static Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
  static Status corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  bool is_not_found() const { return code_ == Code::kNotFound; }
  bool is_cancelled() const { return code_ == Code::kCancelled; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // The same failure with context in front of its message, e.g. "events[3]: ".
  Status with_prefix(std::string_view prefix) const {
    return is_ok() ? *this : Status(code_, std::string(prefix) + message_);
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value, or the Status saying why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  // Precondition: !status.is_ok() (a Result without a value needs a reason).
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.is_ok());
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  // Ok when there is a value.
  const Status& status() const { return status_; }
  // The failure's message; precondition: !ok().
  const std::string& error() const { assert(!ok()); return status_.message(); }

  // Preconditions: ok().
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace attnrec

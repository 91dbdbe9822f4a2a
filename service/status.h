// The outcome of a service operation: ok, or a code plus a message a user can
// act on. api/ maps codes to HTTP statuses; nothing else in service/ knows HTTP.
#pragma once

#include <string>
#include <utility>

namespace attnrec::service {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,  // a field is present but wrong (HTTP 422)
    kMalformed,        // the input cannot be parsed at all (HTTP 400)
    kNotFound,         // the named user/item/job/model does not exist (404)
    kConflict,         // the operation clashes with current state (409)
    kTooLarge,         // over a configured limit, e.g. batch size (413)
    kUnavailable,      // not ready, shutting down, overloaded (503)
    kInternal          // storage or other failure that is not the caller's (500)
  };

  Status() = default;
  static Status ok() { return {}; }
  static Status invalid_argument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status malformed(std::string m) { return {Code::kMalformed, std::move(m)}; }
  static Status not_found(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status too_large(std::string m) { return {Code::kTooLarge, std::move(m)}; }
  static Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with context, e.g. "event 3: ".
  Status with_prefix(const std::string& prefix) const {
    return is_ok() ? *this : Status(code_, prefix + message_);
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace attnrec::service

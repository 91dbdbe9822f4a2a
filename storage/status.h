// The outcome of a storage operation, in the manner of leveldb::Status:
// ok, or a code plus a message a user can act on. RocksDB's own status never
// leaves storage/.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace attnrec::storage {

class Status {
 public:
  enum class Code { kOk, kNotFound, kCorruption, kInvalidArgument, kIOError, kBusy };

  Status() = default;
  static Status ok() { return {}; }
  static Status not_found(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status invalid_argument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status io_error(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status busy(std::string msg) { return {Code::kBusy, std::move(msg)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  bool is_not_found() const { return code_ == Code::kNotFound; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace attnrec::storage

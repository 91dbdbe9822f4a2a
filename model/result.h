// Result<T>: a value or an error message a user can act on. Used for failures
// caused by outside input (files, flags); broken invariants assert instead.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace attnrec::model {

struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}    // NOLINT
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  // Preconditions: ok() for value(), !ok() for error().
  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  const std::string& error() const { assert(!ok()); return std::get<Error>(v_).message; }

 private:
  std::variant<T, Error> v_;
};

}  // namespace attnrec::model

// Service-wide small helpers: the one place storage failures become service
// Statuses, and the wall clock in the service's unit (unix milliseconds).
#pragma once

#include <chrono>
#include <cstdint>

#include "base/status.h"
#include "service/status.h"

namespace attnrec::service {

// Storage failures are never the caller's fault: they surface as kInternal
// (kNotFound passes through for lookups, kUnavailable as unavailable).
inline Status from_storage(const attnrec::Status& s) {
  if (s.is_ok()) return Status::ok();
  if (s.is_not_found()) return Status::not_found(s.message());
  if (s.code() == attnrec::Status::Code::kUnavailable) return Status::unavailable(s.message());
  return Status::internal(s.message());
}

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace attnrec::service

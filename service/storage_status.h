// The one place storage failures become service Statuses (until storage/
// speaks base/status.h).
#pragma once

#include "base/status.h"
#include "storage/status.h"

namespace attnrec::service {

// Storage failures are never the caller's fault: they surface as kInternal
// (kNotFound passes through for lookups, kBusy as kUnavailable).
inline Status from_storage(const storage::Status& s) {
  if (s.is_ok()) return Status::ok();
  if (s.is_not_found()) return Status::not_found(s.message());
  if (s.code() == storage::Status::Code::kBusy) return Status::unavailable(s.message());
  return Status::internal(s.message());
}

}  // namespace attnrec::service

// The history a request is answered for, as store item ids (oldest first):
// a stored user's newest Config::history_cap events, or a session's items
// as the caller sent them (items the store does not know are skipped).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

// `user` non-empty: that user's history (empty for an unknown user);
// otherwise `session`.
Status request_history(const storage::Store& store, size_t history_cap, std::string_view user,
                       const std::vector<std::string>& session, std::vector<uint32_t>* items);

}  // namespace attnrec::service

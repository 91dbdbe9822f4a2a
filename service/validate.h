// Semantic checks of caller input, shared by every entry point (HTTP, import).
// Each returns ok or kInvalidArgument with a message naming the field. Text
// must be well-formed UTF-8 (is_utf8 in service/utf8.h).
#pragma once

#include <string_view>

#include <string>

#include "base/status.h"
#include "service/catalog.h"
#include "service/events.h"

namespace attnrec::service {

inline constexpr size_t kMaxIdBytes = 256;
inline constexpr size_t kMaxTypeBytes = 32;
inline constexpr size_t kMaxTitleBytes = 1024;
inline constexpr size_t kMaxTextBytes = 64 * 1024;
inline constexpr size_t kMaxTags = 64;
inline constexpr size_t kMaxTagBytes = 64;

// An external id: 1-256 bytes of UTF-8 without control characters.
Status check_id(std::string_view field, std::string_view id);
// An event type: 1-32 of [a-z0-9_-].
Status check_type(std::string_view type);
Status check_event(const EventInput& event);
Status check_item(const Item& item);
// A result count `k`: 1..max_k, kInvalidArgument naming `k` otherwise.
Status check_k(size_t k, size_t max_k);

// An id in single quotes, for messages: "no user 'u1'".
inline std::string quoted(std::string_view id) { return "'" + std::string(id) + "'"; }

}  // namespace attnrec::service

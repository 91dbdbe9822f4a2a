// Semantic checks of caller input, shared by every entry point (HTTP, import).
// Each returns ok or kInvalidArgument with a message naming the field. Text
// must be well-formed UTF-8 (is_utf8 in service/utf8.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

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
// An event's weight enters popularity as log2(weight): 1e30 would outweigh
// 2^100 ordinary events, so one caller could own the fallback ranking.
inline constexpr double kMaxWeight = 1e6;
// Events may be stamped a little ahead of our clock (the caller's clock
// drifts), not more: a far-future event would stay the "newest" of its
// user's history for ever.
inline constexpr int64_t kMaxFutureMs = 24 * 3600 * 1000;

// An external id: 1-256 bytes of UTF-8 without control characters.
Status check_id(std::string_view field, std::string_view id);
// An event type: 1-32 of [a-z0-9_-].
Status check_type(std::string_view type);
// Ids, type, weight in [0, kMaxWeight], ts at most kMaxFutureMs ahead of now.
Status check_event(const EventInput& event);
Status check_item(const Item& item);
// A result count `k`: 1..max_k, kInvalidArgument naming `k` otherwise.
Status check_k(size_t k, size_t max_k);
// Ids a request names (a session history, rank candidates, exclusions): at
// most `max` of them, each a check_id; the message names `field[i]`.
Status check_id_list(std::string_view field, std::span<const std::string> ids, size_t max);
// Whom a request is for: a stored `user` (check_id), or with no user a
// session `history` of at most `max_history` ids.
Status check_user_or_history(std::string_view user, std::span<const std::string> history,
                             size_t max_history);

// An id in single quotes, for messages: "no user 'u1'".
inline std::string quoted(std::string_view id) { return "'" + std::string(id) + "'"; }

}  // namespace attnrec::service

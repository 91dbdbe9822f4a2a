#include "service/validate.h"

#include <cmath>
#include <string>

#include "service/clock.h"
#include "service/utf8.h"

namespace attnrec::service {
namespace {

Status field_error(std::string_view field, std::string_view what) {
  return Status::invalid_argument("`" + std::string(field) + "` " + std::string(what));
}

Status check_text(std::string_view field, std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return field_error(field, "is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!is_utf8(text)) return field_error(field, "is not valid UTF-8");
  return Status::ok();
}

}  // namespace

Status check_id(std::string_view field, std::string_view id) {
  if (id.empty()) return field_error(field, "must not be empty");
  if (id.size() > kMaxIdBytes) return field_error(field, "is longer than 256 bytes");
  if (!is_utf8(id)) return field_error(field, "is not valid UTF-8");
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7F) return field_error(field, "contains a control character");
  }
  return Status::ok();
}

Status check_type(std::string_view type) {
  if (type.empty() || type.size() > kMaxTypeBytes) return field_error("type", "must be 1-32 characters");
  for (char c : type) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return field_error("type", "may contain only a-z, 0-9, '_' and '-' (e.g. view, click, purchase)");
    }
  }
  return Status::ok();
}

Status check_event(const EventInput& e) {
  if (Status s = check_id("user", e.user); !s.is_ok()) return s;
  if (Status s = check_id("item", e.item); !s.is_ok()) return s;
  if (Status s = check_type(e.type); !s.is_ok()) return s;
  if (!e.id.empty()) {
    if (Status s = check_id("id", e.id); !s.is_ok()) return s;
  }
  if (!std::isfinite(e.weight)) return field_error("weight", "must be finite");
  if (e.weight < 0 || e.weight > kMaxWeight) return field_error("weight", "must be from 0 to 1000000");
  if (e.ts_ms && *e.ts_ms > now_ms() + kMaxFutureMs) {
    return field_error("ts", "is more than a day ahead of the server's clock");
  }
  return Status::ok();
}

Status check_item(const Item& item) {
  if (Status s = check_id("id", item.id); !s.is_ok()) return s;
  if (Status s = check_text("title", item.title, kMaxTitleBytes); !s.is_ok()) return s;
  if (Status s = check_text("text", item.text, kMaxTextBytes); !s.is_ok()) return s;
  if (item.tags.size() > kMaxTags) return field_error("tags", "has more than 64 entries");
  for (const auto& tag : item.tags) {
    if (tag.empty()) return field_error("tags", "must not contain an empty tag");
    if (Status s = check_text("tags", tag, kMaxTagBytes); !s.is_ok()) return s;
  }
  return Status::ok();
}

Status check_k(size_t k, size_t max_k) {
  if (k < 1 || k > max_k) {
    return Status::invalid_argument("`k` must be between 1 and " + std::to_string(max_k));
  }
  return Status::ok();
}

Status check_id_list(std::string_view field, std::span<const std::string> ids, size_t max) {
  if (ids.size() > max) {
    return field_error(field, "lists " + std::to_string(ids.size()) + " ids; at most " + std::to_string(max));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (Status s = check_id(std::string(field) + "[" + std::to_string(i) + "]", ids[i]); !s.is_ok()) return s;
  }
  return Status::ok();
}

Status check_user_or_history(std::string_view user, std::span<const std::string> history,
                             size_t max_history) {
  if (!user.empty()) return check_id("user", user);
  return check_id_list("history", history, max_history);
}

}  // namespace attnrec::service

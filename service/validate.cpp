#include "service/validate.h"

#include <cmath>
#include <string>

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

bool is_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned c = *p;
    if (c < 0x80) { ++p; continue; }
    size_t n;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    if (static_cast<size_t>(end - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr unsigned kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

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

}  // namespace attnrec::service

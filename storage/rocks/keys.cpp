#include "storage/rocks/keys.h"

namespace attnrec::storage::keys {

std::string user_meta_key(std::string_view key) {
  std::string k(kUserMetaPrefix);
  k.append(key);
  return k;
}

void put_u32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

void put_u64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string u32_key(uint32_t id) {
  std::string k;
  put_u32(&k, id);
  return k;
}

std::string u64_value(uint64_t v) {
  std::string s;
  put_u64(&s, v);
  return s;
}

bool parse_u64(std::string_view s, uint64_t* v) {
  if (s.size() != 8) return false;
  *v = get_u64(s.data());
  return true;
}

bool parse_u32(std::string_view s, uint32_t* v) {
  if (s.size() != 4) return false;
  *v = get_u32(s.data());
  return true;
}

namespace {
constexpr uint64_t kSignBit = uint64_t{1} << 63;
}

std::string event_key(uint32_t user, int64_t ts_ms, uint64_t seq) {
  std::string k;
  k.reserve(kEventKeySize);
  put_u32(&k, user);
  put_u64(&k, static_cast<uint64_t>(ts_ms) ^ kSignBit);
  put_u64(&k, seq);
  return k;
}

bool parse_event_key(std::string_view key, EventKey* out) {
  if (key.size() != kEventKeySize) return false;
  out->user = get_u32(key.data());
  out->ts_ms = static_cast<int64_t>(get_u64(key.data() + 4) ^ kSignBit);
  out->seq = get_u64(key.data() + 12);
  return true;
}

std::string log_key(uint64_t seq, uint32_t user, int64_t ts_ms) {
  std::string k;
  k.reserve(kLogKeySize);
  put_u64(&k, seq);
  put_u32(&k, user);
  put_u64(&k, static_cast<uint64_t>(ts_ms) ^ kSignBit);
  return k;
}

bool parse_log_key(std::string_view key, EventKey* out) {
  if (key.size() != kLogKeySize) return false;
  out->seq = get_u64(key.data());
  out->user = get_u32(key.data() + 8);
  out->ts_ms = static_cast<int64_t>(get_u64(key.data() + 12) ^ kSignBit);
  return true;
}

std::string log_seek_key(uint64_t seq) { return u64_value(seq); }

}  // namespace attnrec::storage::keys

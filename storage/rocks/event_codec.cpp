#include "storage/rocks/event_codec.h"

#include <algorithm>
#include <bit>

#include "storage/rocks/keys.h"

namespace attnrec::storage {

namespace {

uint32_t float_bits(float f) { return std::bit_cast<uint32_t>(f); }
float bits_float(uint32_t b) { return std::bit_cast<float>(b); }

// Appends type_len u8 | type.
void put_type(std::string* out, std::string_view type) {
  out->push_back(static_cast<char>(static_cast<uint8_t>(type.size())));
  out->append(type);
}

// Reads type_len u8 | type at bytes[*pos], advancing *pos.
bool get_type(std::string_view bytes, size_t* pos, std::string_view* type) {
  if (*pos >= bytes.size()) return false;
  size_t len = static_cast<uint8_t>(bytes[*pos]);
  ++*pos;
  if (bytes.size() - *pos < len) return false;
  *type = bytes.substr(*pos, len);
  *pos += len;
  return true;
}

constexpr size_t kEventFixed = 4 + 4;
constexpr size_t kHistoryFixed = 8 + 8 + 4 + 4;

}  // namespace

void encode_event_value(const EventValue& v, std::string* out) {
  out->reserve(out->size() + kEventFixed + 1 + v.type.size() + v.key.size());
  keys::put_u32(out, v.item);
  keys::put_u32(out, float_bits(v.weight));
  put_type(out, v.type);
  out->append(v.key);
}

bool decode_event_value(std::string_view bytes, EventValue* out) {
  if (bytes.size() < kEventFixed + 1) return false;
  out->item = keys::get_u32(bytes.data());
  out->weight = bits_float(keys::get_u32(bytes.data() + 4));
  size_t pos = kEventFixed;
  if (!get_type(bytes, &pos, &out->type)) return false;
  out->key = bytes.substr(pos);
  return true;
}

void newest_history(size_t cap, std::vector<HistoryRecord>* records) {
  std::sort(records->begin(), records->end(), [](const HistoryRecord& a, const HistoryRecord& b) {
    return a.ts_ms != b.ts_ms ? a.ts_ms < b.ts_ms : a.seq < b.seq;
  });
  if (records->size() > cap) records->erase(records->begin(), records->end() - std::ptrdiff_t(cap));
}

void append_history_record(const HistoryRecord& r, std::string* out) {
  keys::put_u64(out, static_cast<uint64_t>(r.ts_ms));
  keys::put_u64(out, r.seq);
  keys::put_u32(out, r.item);
  keys::put_u32(out, float_bits(r.weight));
  put_type(out, r.type);
}

bool decode_history(std::string_view bytes, std::vector<HistoryRecord>* out) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < kHistoryFixed) return false;
    HistoryRecord r;
    const char* p = bytes.data() + pos;
    r.ts_ms = static_cast<int64_t>(keys::get_u64(p));
    r.seq = keys::get_u64(p + 8);
    r.item = keys::get_u32(p + 16);
    r.weight = bits_float(keys::get_u32(p + 20));
    pos += kHistoryFixed;
    if (!get_type(bytes, &pos, &r.type)) return false;
    out->push_back(r);
  }
  return true;
}

bool decode_history_items(std::string_view bytes, size_t limit, std::vector<uint32_t>* out) {
  const size_t start = out->size();
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < kHistoryFixed) return false;
    out->push_back(keys::get_u32(bytes.data() + pos + 16));
    pos += kHistoryFixed;
    std::string_view type;
    if (!get_type(bytes, &pos, &type)) return false;
  }
  const size_t n = out->size() - start;
  if (n > limit) out->erase(out->begin() + std::ptrdiff_t(start), out->end() - std::ptrdiff_t(limit));
  return true;
}

}  // namespace attnrec::storage

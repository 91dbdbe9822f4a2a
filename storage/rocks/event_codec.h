// Value layouts of the "events" and "history" column families.
//
//   event value:   item u32 BE | weight f32 (IEEE bits, u32 BE) | type_len u8 |
//                  type | idempotency key (the rest; empty = none)
//   history value: zero or more entries, ordered by (ts_ms, seq), each
//                  ts_ms i64 (u64 BE) | seq u64 BE | item u32 BE |
//                  weight f32 bits u32 BE | type_len u8 | type
//
// A history merge operand has the same layout as a history value, so partial
// merges are just merges (see history_merge.h). The event value keeps the
// idempotency key so erase_user can find and delete the dedup entries.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnrec::storage {

inline constexpr size_t kMaxTypeBytes = 255;  // type_len is one byte

struct EventValue {
  uint32_t item = 0;
  float weight = 1.0f;
  std::string_view type;  // views into the decoded bytes
  std::string_view key;
};

// Precondition: type.size() <= kMaxTypeBytes.
void encode_event_value(const EventValue& v, std::string* out);
// False when `bytes` is not a valid event value.
bool decode_event_value(std::string_view bytes, EventValue* out);

struct HistoryRecord {
  int64_t ts_ms = 0;
  uint64_t seq = 0;
  uint32_t item = 0;
  float weight = 1.0f;
  std::string_view type;  // view into the decoded bytes
};

// Sorts by (ts_ms, seq) and keeps the newest `cap`, oldest first: the
// history's order, applied by the merge operator and by readers of records
// not yet merged.
void newest_history(size_t cap, std::vector<HistoryRecord>* records);

// Appends one entry. Precondition: r.type.size() <= kMaxTypeBytes.
void append_history_record(const HistoryRecord& r, std::string* out);
// Appends every entry of `bytes` to out; false on malformed bytes (out is
// then partially filled).
bool decode_history(std::string_view bytes, std::vector<HistoryRecord>* out);
// The item ids of the last `limit` entries of `bytes`, oldest first,
// appended to out; false on malformed bytes.
bool decode_history_items(std::string_view bytes, size_t limit, std::vector<uint32_t>* out);

}  // namespace attnrec::storage

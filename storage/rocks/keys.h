// Byte layouts of the keys in every column family (the schema is in
// database.h). Integers are big-endian so that RocksDB's bytewise order is
// numeric order; timestamps are sign-flipped so negative times sort first.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace attnrec::storage::keys {

// Column family names, in the order the store opens them ("default" is
// RocksDB's own and stays empty).
inline constexpr std::string_view kMeta = "meta";
inline constexpr std::string_view kUserIds = "user_ids";
inline constexpr std::string_view kUsers = "users";
inline constexpr std::string_view kItemIds = "item_ids";
inline constexpr std::string_view kItems = "items";
inline constexpr std::string_view kCatalog = "catalog";
inline constexpr std::string_view kLog = "log";
inline constexpr std::string_view kHistory = "history";
inline constexpr std::string_view kDedup = "dedup";
inline constexpr std::string_view kModels = "models";
// Schema 1's event column family, replaced by "log" (migrated on open).
inline constexpr std::string_view kEventsV1 = "events";

// Keys of the "meta" column family. Internal keys never start with
// kUserMetaPrefix, so set_meta/get_meta keys cannot clash with them.
inline constexpr std::string_view kSchemaVersion = "schema_version";  // u32 BE
inline constexpr std::string_view kNextUser = "next_user_id";         // u64 BE
inline constexpr std::string_view kNextItem = "next_item_id";         // u64 BE
inline constexpr std::string_view kNextSeq = "next_event_seq";        // u64 BE
inline constexpr std::string_view kLiveEvents = "live_events";        // u64 BE
// Every event with a smaller seq is in "history"; later ones are replayed
// from the log at open (rocks_store.h, pending history).
inline constexpr std::string_view kHistoryApplied = "history_applied_seq";  // u64 BE
inline constexpr std::string_view kUserMetaPrefix = "ext/";

std::string user_meta_key(std::string_view key);

void put_u32(std::string* out, uint32_t v);
void put_u64(std::string* out, uint64_t v);
// Reads a big-endian integer from the first 4/8 bytes; the caller checks size.
uint32_t get_u32(const char* p);
uint64_t get_u64(const char* p);

std::string u32_key(uint32_t id);
std::string u64_value(uint64_t v);
// False when `s` is not exactly 8 bytes.
bool parse_u64(std::string_view s, uint64_t* v);
bool parse_u32(std::string_view s, uint32_t* v);

// log (schema 2): seq u64 BE | user u32 BE | ts_ms i64 sign-flipped BE.
// Arrival order: every ingest appends past the last key, which keeps the
// memtable insert a short walk from the previous one instead of a descent
// through the whole skip list.
inline constexpr size_t kLogKeySize = 8 + 4 + 8;
struct EventKey {
  uint32_t user = 0;
  int64_t ts_ms = 0;
  uint64_t seq = 0;
};
std::string log_key(uint64_t seq, uint32_t user, int64_t ts_ms);
// False when `key` is not a log key.
bool parse_log_key(std::string_view key, EventKey* out);
// Sorts before the log keys of `seq` and after those of every smaller seq.
std::string log_seek_key(uint64_t seq);

// events (schema 1, read only to migrate a store to schema 2): user u32 BE |
// ts_ms i64 sign-flipped BE | seq u64 BE.
inline constexpr size_t kEventKeySize = 4 + 8 + 8;
std::string event_key(uint32_t user, int64_t ts_ms, uint64_t seq);
// False when `key` is not a schema-1 event key.
bool parse_event_key(std::string_view key, EventKey* out);

}  // namespace attnrec::storage::keys

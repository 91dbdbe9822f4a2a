// Turns one group of queued write requests into one rocksdb::WriteBatch: new
// user/item ids, events, history merge operands, dedup keys, catalog/model/
// meta puts, user erasure, and the counters those move. It reads the
// database (dedup keys, the events of a user to erase) but never writes it;
// the caller writes the batch and, only on success, applies the new ids,
// erasures and counters to its in-memory state.
//
// Not thread-safe: one builder per group, used by the group's leader, which
// must be the only thread allocating ids (the WriterQueue guarantees this).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <rocksdb/write_batch.h>

#include "storage/rocks/database.h"
#include "storage/rocks/id_dictionary.h"
#include "storage/rocks/log_scan.h"
#include "storage/rocks/sorted_batch.h"
#include "storage/rocks/writer_queue.h"
#include "storage/store.h"

namespace attnrec::storage {

// Persistent counters, stored in "meta" (keys.h).
struct Counters {
  uint64_t next_user = 1;
  uint64_t next_item = 1;
  uint64_t next_seq = 1;
  uint64_t live_events = 0;
};

// One caller's mutation, queued in the WriterQueue. The spans and views must
// outlive the write (they live on the caller's stack).
struct WriteRequest : WriterQueue::Writer {
  enum class Kind { kEvents, kPutCatalog, kAddItems, kPut, kEraseUser };
  // Requests that read before they write are exclusive (committed alone).
  explicit WriteRequest(Kind k, size_t w = 1) : kind(k) {
    weight = std::max<size_t>(w, 1);
    exclusive = k == Kind::kEraseUser;
  }
  const Kind kind;
  std::span<const Event> events;                                // kEvents
  WriteResult* result = nullptr;                                // kEvents
  std::span<const std::pair<std::string, std::string>> records;  // kPutCatalog
  std::span<const std::string> items;                            // kAddItems
  Cf cf = kMetaCf;                                              // kPut
  std::string_view key;    // kPut; the user for kEraseUser
  std::vector<ErasedEvent>* erased = nullptr;                    // kEraseUser, optional
  // kEraseUser: the user's events read from a snapshot before queueing
  // (log_scan.h): those of user id `found_user` with seq < `found_below`.
  const std::vector<LoggedEvent>* found = nullptr;
  uint32_t found_user = 0;
  uint64_t found_below = 1;
  std::string_view value;  // kPut
};

// History records in the log but not yet merged into "history": the store
// buffers them so that a user's events of many groups cost one merge (a
// skip-list insert per user, not per group). Owned by the store, changed by
// the group leader only.
struct PendingHistory {
  std::unordered_map<uint32_t, std::string> by_user;  // encoded records (event_codec.h), arrival order
  size_t records = 0;
};

class GroupBuilder {
 public:
  // The group's history records join `pending`, or, once pending would reach
  // `flush_at` records, pending and the group's records are merged into
  // "history" by this group's batch (with the applied-seq watermark).
  GroupBuilder(const Database& db, const IdDictionary& users, const IdDictionary& items, const Counters& counters,
               const PendingHistory& pending, size_t flush_at);

  // Adds every request to the batch, setting each request's status (a
  // request can be refused alone, e.g. erasing an unknown user). A non-ok
  // return fails the whole group (a read failed).
  Status build(std::span<WriterQueue::Writer* const> group);

  rocksdb::WriteBatch* batch() { return &batch_; }
  // What to apply to in-memory state once the batch is written.
  std::vector<std::pair<uint32_t, std::string>> take_new_users() { return std::move(new_users_); }
  std::vector<std::pair<uint32_t, std::string>> take_new_items() { return std::move(new_items_); }
  const std::vector<uint32_t>& erased_users() const { return erased_users_; }
  const Counters& counters() const { return counters_; }
  // Whether the batch merges the pending history; if not, the group's own
  // records (user -> encoded records) are to be added to the pending ones.
  bool flushes_history() const { return flush_history_; }
  std::unordered_map<uint32_t, std::string>& history_records() { return history_ops_; }
  size_t history_record_count() const { return history_records_; }

 private:
  // Dedup keys of the group already stored in the database.
  Status stored_keys(std::span<WriterQueue::Writer* const> group, std::unordered_set<std::string>* out) const;
  Status add_events(WriteRequest* r, const std::unordered_set<std::string>& stored);
  Status add_erase_user(WriteRequest* r);
  // Existing or newly allocated ids (0 when the id space is exhausted).
  uint32_t user_id(std::string_view name);
  uint32_t item_id(std::string_view name);
  static uint32_t allocate(std::string_view name, const IdDictionary& dict, Cf name_cf, Cf id_cf,
                           uint64_t* next, std::unordered_map<std::string_view, uint32_t>* pending,
                           std::vector<std::pair<uint32_t, std::string>>* created, SortedBatch* ops);
  void put_counters(const Counters& before);

  const Database& db_;
  const IdDictionary& users_;
  const IdDictionary& items_;
  const PendingHistory& pending_;
  const size_t flush_at_;
  bool flush_history_ = false;
  size_t history_records_ = 0;  // in history_ops_
  Counters counters_;
  SortedBatch ops_;           // what build() adds, in arrival order
  rocksdb::WriteBatch batch_;  // ops_ sorted, once build() succeeded
  // Ids allocated in this group, by name (views into the requests).
  std::unordered_map<std::string_view, uint32_t> pending_users_;
  std::unordered_map<std::string_view, uint32_t> pending_items_;
  std::vector<std::pair<uint32_t, std::string>> new_users_;
  std::vector<std::pair<uint32_t, std::string>> new_items_;
  std::vector<uint32_t> erased_users_;
  std::unordered_set<std::string_view> group_keys_;  // dedup keys admitted in this group
  std::unordered_map<uint32_t, std::string> history_ops_;  // user -> this group's records
};

}  // namespace attnrec::storage

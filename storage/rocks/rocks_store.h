// RocksStore: the Store on RocksDB (schema in database.h). Mutations go through
// a WriterQueue; the group's leader is the only thread that allocates ids,
// checks idempotency keys and advances counters, so none of that races. The
// in-memory state (id dictionaries, counters) changes only after the group's
// WriteBatch is durable, so a failed write leaks no ids.
//
// Thread safety: as Store. Ownership: owns the Database; snapshots returned by
// snapshot() borrow it and must be destroyed before the store.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/rocks/database.h"
#include "storage/rocks/event_codec.h"
#include "storage/rocks/group_builder.h"
#include "storage/rocks/id_dictionary.h"
#include "storage/rocks/writer_queue.h"
#include "storage/store.h"

namespace attnrec::storage {

class RocksStore final : public Store {
 public:
  // Use Store::open.
  static Status open(const Options& options, std::unique_ptr<RocksStore>* store);
  ~RocksStore() override;

  uint32_t find_user(std::string_view user) const override { return users_.find(user); }
  uint32_t find_item(std::string_view item) const override { return items_.find(item); }
  std::string user_name(uint32_t user) const override { return users_.name(user); }
  std::string item_name(uint32_t item) const override { return items_.name(item); }

  Status write_events(std::span<const Event> events, WriteResult* result) override;
  Status write_events_async(std::vector<Event> events, WriteDone done) override;
  Status history(uint32_t user, size_t limit, std::vector<HistoryEntry>* out) const override;
  Status history_items(uint32_t user, size_t limit, std::vector<uint32_t>* out) const override;
  Status history_typed(uint32_t user, size_t limit, std::vector<uint32_t>* items,
                       std::vector<std::string>* types) const override;
  Status erase_user(std::string_view user, std::vector<ErasedEvent>* erased) override;
  Status scan_events(const std::function<void(uint32_t, uint32_t, int64_t, float)>& fn) const override;
  std::unique_ptr<SequenceSnapshot> snapshot() const override;

  Status put_catalog(std::span<const std::pair<std::string, std::string>> records) override;
  Status add_items(std::span<const std::string> items) override;
  Status scan_catalog(const std::function<void(uint32_t, std::string_view, std::string_view)>& fn) const override;

  Status put_model(std::string_view version, std::string_view record) override;
  Status get_model(std::string_view version, std::string* record) const override;
  Status list_models(std::vector<std::pair<std::string, std::string>>* out) const override;
  Status set_meta(std::string_view key, std::string_view value) override;
  Status get_meta(std::string_view key, std::string* value) const override;

  Stats stats() const override;

  // Test hook: the next group commit fails with `s` instead of writing (after
  // its batch is built, so ids were allocated and must not leak).
  void fail_next_commit_for_testing(Status s);
  // Test hook: forgets the buffered history records without writing them,
  // as a crash would (the log still has their events).
  void drop_pending_history_for_testing();

 private:
  explicit RocksStore(const Options& options);
  Status load();
  // Reads back the events of the log past the history watermark.
  Status replay_history();
  // Merges the buffered history into the store (at close).
  Status flush_history();
  // The user's history records, stored and buffered, in history order (the
  // newest history_cap); `bytes` holds what the records view.
  Status history_records(uint32_t user, std::string* bytes, std::vector<HistoryRecord>* records) const;
  // Appends the user's buffered records to *out (a copy: readers hold the
  // lock only for it); false when there are none.
  bool pending_history(uint32_t user, std::string* out) const;
  Status submit(WriteRequest* request);
  void commit(std::span<WriterQueue::Writer* const> group);
  Status get(Cf cf, const std::string& key, std::string* value, std::string_view what) const;
  // Iterates a whole column family in key order.
  Status scan(Cf cf, const std::function<bool(std::string_view key, std::string_view value)>& fn,
              std::string_view what) const;

  const Options options_;
  Database db_;
  IdDictionary users_;
  IdDictionary items_;
  WriterQueue queue_;
  Counters counters_;  // the leader's; persisted in meta by every batch that moves them
  // History records not yet in the "history" CF: written by the leader under
  // an exclusive lock, read by history readers under a shared one.
  mutable std::shared_mutex pending_mu_;
  PendingHistory pending_;
  // Copies of counters_ for stats(), published after each commit.
  std::atomic<uint64_t> users_seen_{0};
  std::atomic<uint64_t> items_seen_{0};
  std::atomic<uint64_t> live_events_{0};

  // The last write failed: RocksDB then refuses writes (its background
  // error) until Resume(). Used by the group leader only.
  bool write_failed_ = false;
  std::mutex test_mu_;
  std::optional<Status> fail_next_commit_;  // guarded by test_mu_
};

}  // namespace attnrec::storage

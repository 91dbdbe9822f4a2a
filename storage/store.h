// attnrec's embedded event store, the whole contract of storage/: users and
// items get dense internal ids (from 1) beside their external string ids;
// the store keeps the full event log, each user's newest `history_cap`
// events, the idempotency keys of admitted events, opaque catalog and model
// registry records, and small meta values. Every failure is an
// attnrec::Status (base/status.h).
//
// The implementation is RocksDB (storage/rocks/; its column families and
// schema version are documented in storage/rocks/database.h). No RocksDB
// type or header is reachable from here.
//
// Writes that the disk refuses (full, read-only, failing) are kUnavailable
// with a message saying so, and store nothing; once the disk writes again
// the next write succeeds on the same Store (RocksDB's read-only error state
// is resumed), without a reopen.
//
// Thread safety: a Store is safe to use from any number of threads. Writers are
// queued and the queue's head commits everyone waiting in one WriteBatch with
// one WAL sync (group commit, as in LevelDB's DBImpl::Write); each request is
// still all-or-nothing. Reads never block on writers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace attnrec::storage {

// When an acknowledged write is durable.
enum class SyncPolicy {
  kSync,   // WAL fsynced before the write returns (default)
  kNoSync  // WAL written to the OS; durable against a process crash only
};

struct Options {
  std::string path;                     // directory; created with the schema if absent
  SyncPolicy sync = SyncPolicy::kSync;
  bool create_if_missing = true;
  size_t history_cap = 512;             // events kept per user in `history`
  // History records held in memory (and read from there) before they are
  // merged into the store, one merge per user; after a crash they are read
  // back from the event log at open. 1 merges at every write.
  size_t history_buffer = 1 << 18;
  size_t block_cache_bytes = 64 << 20;
};

// One interaction as the store keeps it. Strings are external ids.
struct Event {
  std::string user;
  std::string item;
  std::string type;          // "view", "click", ... (1-32 bytes)
  int64_t ts_ms = 0;         // event time, unix milliseconds
  float weight = 1.0f;
  std::string id;            // idempotency key; empty = none
};

// A history entry, with both internal and external item ids.
struct HistoryEntry {
  uint32_t item = 0;
  std::string item_id;
  std::string type;
  int64_t ts_ms = 0;
  float weight = 1.0f;
};

// An event removed by erase_user, for the caller's aggregates.
struct ErasedEvent {
  uint32_t item = 0;
  int64_t ts_ms = 0;
  float weight = 1.0f;
};

struct WriteResult {
  size_t written = 0;     // events stored
  size_t duplicates = 0;  // events skipped because their id was seen before
  std::vector<bool> stored;  // per input event: true = written, false = duplicate
  // Per input event, the internal (user, item) ids it was stored under;
  // (0, 0) for a duplicate. Spares callers looking each name up again.
  std::vector<std::pair<uint32_t, uint32_t>> ids;
};

struct Stats {
  uint64_t users = 0;            // users ever assigned an id
  uint64_t items = 0;            // items ever assigned an id
  uint64_t events = 0;           // events currently stored
  uint64_t disk_bytes = 0;       // live SST + WAL bytes (approximate)
};

// A consistent point-in-time view of every user's sequence, for training.
// Ingest may go on while it is read; it sees none of the later writes.
class SequenceSnapshot {
 public:
  virtual ~SequenceSnapshot() = default;
  // Advances to the next user that has events; false at the end.
  // `items` holds the user's item ids oldest first, `ts_ms` their times and,
  // when not null, `types` their event types (views valid as long as the
  // snapshot).
  virtual bool next(uint32_t* user, std::vector<uint32_t>* items, std::vector<int64_t>* ts_ms,
                    std::vector<std::string_view>* types) = 0;
  bool next(uint32_t* user, std::vector<uint32_t>* items, std::vector<int64_t>* ts_ms) {
    return next(user, items, ts_ms, nullptr);
  }
  virtual Status status() const = 0;
};

class Store {
 public:
  // Opens or creates the store at options.path. Refuses, with a message that
  // says which: a directory that is not a store or has a schema version this
  // build cannot read (kInvalidArgument), no store and !create_if_missing
  // (kNotFound), a store already open by another process (kUnavailable).
  static Status open(const Options& options, std::unique_ptr<Store>* store);
  // Flushes and closes cleanly. Precondition: no call in flight and no
  // SequenceSnapshot from this store alive.
  virtual ~Store() = default;

  // --- ids -----------------------------------------------------------------
  // Lookups never create ids; 0 = unknown.
  virtual uint32_t find_user(std::string_view user) const = 0;
  virtual uint32_t find_item(std::string_view item) const = 0;
  // External id of an internal id; empty when unknown.
  virtual std::string user_name(uint32_t user) const = 0;
  virtual std::string item_name(uint32_t item) const = 0;

  // --- events --------------------------------------------------------------
  // Stores all events or none (one WriteBatch; group-committed with other
  // callers). Ids are created for new users and items. An event whose `id`
  // was stored before, or repeats an earlier one in `events`, is skipped and
  // counted as a duplicate. Inputs are assumed validated by the caller.
  virtual Status write_events(std::span<const Event> events, WriteResult* result) = 0;
  // The same without a thread waiting for the commit: it only queues the
  // write and never blocks on one (an HTTP I/O thread calls it); `done`
  // gets the write's status and result, once, on the thread that committed
  // the group (it must not block and should be short). A non-ok return is a
  // request refused before it was queued (as write_events would refuse it);
  // `done` is then not called.
  using WriteDone = std::function<void(Status, WriteResult)>;
  virtual Status write_events_async(std::vector<Event> events, WriteDone done) = 0;

  // The user's newest `limit` events, oldest first (newest last). An unknown
  // or erased user, or limit 0, gives ok and an empty list.
  virtual Status history(uint32_t user, size_t limit,
                         std::vector<HistoryEntry>* out) const = 0;
  // The same events' item ids only (no strings built): the serving path's
  // read. `out` is cleared and reused.
  virtual Status history_items(uint32_t user, size_t limit, std::vector<uint32_t>* out) const = 0;
  // The same events' item ids and types (no item names built): the serving
  // path's read under a type policy. Both are cleared and reused.
  virtual Status history_typed(uint32_t user, size_t limit, std::vector<uint32_t>* items,
                               std::vector<std::string>* types) const = 0;

  // Removes the user and every trace: events, history, id mappings and the
  // idempotency keys of their events. NotFound if the user is unknown. When
  // `erased` is not null it receives every event removed (all of them, not
  // only the history's newest), so callers can take them out of aggregates.
  virtual Status erase_user(std::string_view user, std::vector<ErasedEvent>* erased) = 0;

  // Calls fn for every stored event in arrival order; used to rebuild
  // in-memory aggregates (popularity) at start.
  virtual Status scan_events(
      const std::function<void(uint32_t user, uint32_t item, int64_t ts_ms,
                               float weight)>& fn) const = 0;

  // The snapshot borrows the store: destroy it before the store.
  virtual std::unique_ptr<SequenceSnapshot> snapshot() const = 0;

  // --- catalog -------------------------------------------------------------
  // Upserts catalog records (creating item ids as needed), atomically. There
  // is no delete: a caller that retires an item upserts its own tombstone
  // (any record, the empty one included, is kept and scanned as given).
  virtual Status put_catalog(std::span<const std::pair<std::string, std::string>> records) = 0;
  // Gives every item of `items` that has none an id, without an event or a
  // catalog record (a cluster node maps a model's items onto its own ids
  // before it has seen their events), atomically.
  virtual Status add_items(std::span<const std::string> items) = 0;
  // Every catalog record, in internal id order.
  virtual Status scan_catalog(
      const std::function<void(uint32_t item, std::string_view item_id,
                               std::string_view record)>& fn) const = 0;

  // --- model registry ------------------------------------------------------
  // Opaque records by version (non-empty) and small meta values by key; a
  // meta key cannot clash with the store's own bookkeeping. get_model and
  // get_meta give NotFound when nothing is stored under the name.
  virtual Status put_model(std::string_view version, std::string_view record) = 0;
  virtual Status get_model(std::string_view version, std::string* record) const = 0;
  virtual Status list_models(std::vector<std::pair<std::string, std::string>>* out) const = 0;
  virtual Status set_meta(std::string_view key, std::string_view value) = 0;
  virtual Status get_meta(std::string_view key, std::string* value) const = 0;

  virtual Stats stats() const = 0;
};

}  // namespace attnrec::storage

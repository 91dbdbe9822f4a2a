// The RocksDB database behind a Store: opening it with attnrec's column
// families and tuning, creating the schema in a fresh directory, refusing
// anything that is not an attnrec store of a supported schema version, and
// closing it cleanly.
//
// Column families (schema version kSchemaVersion, stored in "meta"; key
// layouts in keys.h, value layouts in event_codec.h):
//   meta      "schema_version" -> u32; counters (next user id, next item id,
//             event sequence, live event count); "ext/" + set_meta keys
//   user_ids  external user id -> u32 internal id   (dense, from 1)
//   users     u32 BE internal id -> external user id
//   item_ids  external item id -> u32 internal id   (dense, from 1)
//   items     u32 BE internal id -> external item id
//   catalog   u32 BE item id -> opaque catalog record (the service's bytes)
//   log       u64 BE seq | u32 BE user | i64 ts_ms (sign-flipped BE) -> event
//             (the full event log, in arrival order; schema 1 kept it as
//             "events" keyed user | ts | seq, which open migrates)
//   history   u32 BE user -> the user's newest `history_cap` events, kept by a
//             merge operator (history_merge.h) so ingest never reads before
//             it writes
//   dedup     idempotency key -> u64 seq of the event it admitted
//   models    model version string -> opaque registry record
//
// Not thread-safe by itself: open/close are called once by the owner; the
// handles may be used from any thread in between (RocksDB is thread-safe).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>

#include "storage/store.h"

namespace attnrec::storage {

// The schema this build reads and writes; open refuses any other.
// Schema 1 (events keyed by user first) is migrated on open.
inline constexpr uint32_t kSchemaVersion = 2;

// Column families by index (names in keys.h).
enum Cf : size_t {
  kMetaCf,
  kUserIdsCf,
  kUsersCf,
  kItemIdsCf,
  kItemsCf,
  kCatalogCf,
  kLogCf,
  kHistoryCf,
  kDedupCf,
  kModelsCf,
  kNumCfs
};

class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();  // close()

  // Opens options.path. On failure *this stays closed and the Status says
  // why: not a store or a newer/older schema (kInvalidArgument), absent
  // (kNotFound), locked by another handle (kUnavailable), or RocksDB's error.
  Status open(const Options& options);
  // Flushes memtables and closes; a no-op when closed.
  Status close();

  // Leaves RocksDB's read-only state after a failed write (its background
  // error), once the disk takes writes again: ok, or why not (still full,
  // read-only, or an error RocksDB does not resume from). Resuming flushes
  // the memtables, and a flush that fails for want of space would turn the
  // recoverable error fatal, so the disk is checked first: free space for
  // the flush (statvfs) and a small file written and synced through the
  // same file system. Not thread-safe: one caller at a time (the store's
  // group leader).
  rocksdb::Status resume();

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return cf_[c]; }
  const std::string& path() const { return path_; }

 private:
  // Reads and checks the schema version; creates the column families and
  // the version in a fresh (or half-created) store.
  Status check_schema(bool fresh, const Options& options, const std::shared_ptr<rocksdb::Cache>& cache);
  Status check_version(std::string_view value) const;
  // Rewrites a schema-1 store's events into the log (schema 2).
  Status migrate_from_v1(const Options& options, const std::shared_ptr<rocksdb::Cache>& cache);
  // An open CF by name (null when absent), and dropping one for good.
  rocksdb::ColumnFamilyHandle* handle(std::string_view name) const;
  Status drop(rocksdb::ColumnFamilyHandle* h);

  std::string path_;
  std::unique_ptr<rocksdb::Env> env_;  // the file system with test faults (fault_fs.h); outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kNumCfs> cf_{};
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // all open handles
};

}  // namespace attnrec::storage

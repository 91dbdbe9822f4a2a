// The RocksDB database behind a Store: opening it with attnrec's column
// families and tuning, creating the schema in a fresh directory, refusing
// anything that is not an attnrec store of a supported schema version, and
// closing it cleanly.
//
// Not thread-safe by itself: open/close are called once by the owner; the
// handles may be used from any thread in between (RocksDB is thread-safe).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>

#include "storage/store.h"

namespace attnrec::storage {

// Column families by index (names in keys.h).
enum Cf : size_t {
  kMetaCf,
  kUserIdsCf,
  kUsersCf,
  kItemIdsCf,
  kItemsCf,
  kCatalogCf,
  kEventsCf,
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
  // why: not a store, newer/older schema, locked, or RocksDB's error.
  Status open(const Options& options);
  // Flushes memtables and closes; a no-op when closed.
  Status close();

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return cf_[c]; }
  const std::string& path() const { return path_; }

 private:
  // Reads and checks the schema version; creates the column families and
  // the version in a fresh (or half-created) store.
  Status check_schema(bool fresh, const Options& options, const std::shared_ptr<rocksdb::Cache>& cache);
  Status check_version(std::string_view value) const;

  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kNumCfs> cf_{};
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // all open handles
};

}  // namespace attnrec::storage

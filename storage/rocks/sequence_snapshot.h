// SequenceSnapshot over a RocksDB snapshot of the "events" column family:
// groups the (user, ts, seq)-ordered keys into one item sequence per user.
//
// Not thread-safe (one reader). Borrows the Database, which must outlive it;
// releases the RocksDB snapshot on destruction.
#pragma once

#include <memory>

#include <rocksdb/db.h>

#include "storage/rocks/database.h"
#include "storage/store.h"

namespace attnrec::storage {

class RocksSequenceSnapshot final : public SequenceSnapshot {
 public:
  explicit RocksSequenceSnapshot(const Database& db);
  ~RocksSequenceSnapshot() override;

  bool next(uint32_t* user, std::vector<uint32_t>* items, std::vector<int64_t>* ts_ms) override;
  Status status() const override { return status_; }

 private:
  const Database& db_;
  const rocksdb::Snapshot* snapshot_;
  std::unique_ptr<rocksdb::Iterator> it_;
  Status status_;
};

}  // namespace attnrec::storage

// SequenceSnapshot over a RocksDB snapshot of the event log: the log is in
// arrival order, so the first next() reads all of it and groups it into one
// sequence per user (by time, then arrival), 16 bytes per event held
// until the snapshot is destroyed; later calls hand out one user each, in
// user id order.
//
// Not thread-safe (one reader). Borrows the Database, which must outlive it;
// releases the RocksDB snapshot on destruction.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>

#include "storage/rocks/database.h"
#include "storage/store.h"

namespace attnrec::storage {

class RocksSequenceSnapshot final : public SequenceSnapshot {
 public:
  explicit RocksSequenceSnapshot(const Database& db);
  ~RocksSequenceSnapshot() override;

  bool next(uint32_t* user, std::vector<uint32_t>* items, std::vector<int64_t>* ts_ms,
            std::vector<std::string_view>* types) override;
  Status status() const override { return status_; }

 private:
  struct Entry {
    int64_t ts_ms;
    uint32_t item;
    uint32_t type;  // index into type_names_
  };
  void load();

  const Database& db_;
  const rocksdb::Snapshot* snapshot_;
  bool loaded_ = false;
  std::vector<std::vector<Entry>> by_user_;  // index: user id
  std::deque<std::string> type_names_;       // every type seen, once (a deque: views stay valid)
  std::unordered_map<std::string_view, uint32_t> type_ids_;
  size_t next_user_ = 0;
  Status status_;
};

}  // namespace attnrec::storage

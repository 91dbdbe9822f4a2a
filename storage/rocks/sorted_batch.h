// Collects a commit group's operations and hands them to a rocksdb::WriteBatch
// ordered by (column family, key). RocksDB's memtable is a skip list that
// remembers where its last insert went: keys arriving in order are inserted
// next to each other, random ones pay a full descent (with cache misses in a
// 64 MiB memtable) each. A group of 10,000 events from 100 requests arrives
// in random user order; sorted, its inserts cost about a third (bench/ingest).
//
// Order is only changed between different keys: operations on the same key
// keep the order they were added in, and a range deletion is a barrier (what
// was added before it is written before it). So the batch means exactly what
// the unsorted one meant.
//
// Not thread-safe; one per group.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/write_batch.h>

#include "storage/rocks/database.h"

namespace attnrec::storage {

class SortedBatch {
 public:
  void put(Cf cf, std::string_view key, std::string_view value) { add(Type::kPut, cf, key, value); }
  void merge(Cf cf, std::string_view key, std::string_view value) { add(Type::kMerge, cf, key, value); }
  void erase(Cf cf, std::string_view key) { add(Type::kDelete, cf, key, {}); }
  // Deletes [begin, end) of cf; ordered after everything added before it.
  void erase_range(Cf cf, std::string_view begin, std::string_view end);

  size_t count() const { return ops_.size(); }
  // Appends every operation to *out in (barrier run, cf, key, arrival) order.
  void write_to(const Database& db, rocksdb::WriteBatch* out);

 private:
  enum class Type : uint8_t { kPut, kMerge, kDelete, kDeleteRange };
  struct Op {
    uint32_t run;  // barriers passed before this op
    Cf cf;
    Type type;
    uint64_t key_off, key_len, value_off, value_len;  // into bytes_
  };
  void add(Type type, Cf cf, std::string_view key, std::string_view value);
  std::string_view view(uint64_t off, uint64_t len) const { return {bytes_.data() + off, len}; }

  std::string bytes_;  // every key and value, back to back
  std::vector<Op> ops_;
  uint32_t run_ = 0;
};

}  // namespace attnrec::storage

#include "storage/rocks/sorted_batch.h"

#include <algorithm>
#include <tuple>

namespace attnrec::storage {

namespace {

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace

void SortedBatch::add(Type type, Cf cf, std::string_view key, std::string_view value) {
  const uint64_t key_off = bytes_.size();
  bytes_.append(key);
  const uint64_t value_off = bytes_.size();
  bytes_.append(value);
  ops_.push_back({run_, cf, type, key_off, key.size(), value_off, value.size()});
}

void SortedBatch::erase_range(Cf cf, std::string_view begin, std::string_view end) {
  ++run_;
  add(Type::kDeleteRange, cf, begin, end);
  ++run_;
}

void SortedBatch::write_to(const Database& db, rocksdb::WriteBatch* out) {
  // Stable: equal (run, cf, key) keep their arrival order.
  std::stable_sort(ops_.begin(), ops_.end(), [this](const Op& a, const Op& b) {
    return std::forward_as_tuple(a.run, a.cf, view(a.key_off, a.key_len)) <
           std::forward_as_tuple(b.run, b.cf, view(b.key_off, b.key_len));
  });
  for (const Op& op : ops_) {
    rocksdb::ColumnFamilyHandle* cf = db.cf(op.cf);
    const rocksdb::Slice key = slice(view(op.key_off, op.key_len));
    const rocksdb::Slice value = slice(view(op.value_off, op.value_len));
    switch (op.type) {
      case Type::kPut: out->Put(cf, key, value); break;
      case Type::kMerge: out->Merge(cf, key, value); break;
      case Type::kDelete: out->Delete(cf, key); break;
      case Type::kDeleteRange: out->DeleteRange(cf, key, value); break;
    }
  }
}

}  // namespace attnrec::storage

#include "storage/rocks/sequence_snapshot.h"

#include "storage/rocks/event_codec.h"
#include "storage/rocks/keys.h"
#include "storage/rocks/rocks_status.h"

namespace attnrec::storage {

RocksSequenceSnapshot::RocksSequenceSnapshot(const Database& db) : db_(db), snapshot_(db.db()->GetSnapshot()) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  ro.fill_cache = false;            // a full scan would evict the serving working set
  ro.readahead_size = 4 << 20;
  it_.reset(db.db()->NewIterator(ro, db.cf(kEventsCf)));
  it_->SeekToFirst();
}

RocksSequenceSnapshot::~RocksSequenceSnapshot() {
  it_.reset();  // before the snapshot it reads
  db_.db()->ReleaseSnapshot(snapshot_);
}

bool RocksSequenceSnapshot::next(uint32_t* user, std::vector<uint32_t>* items, std::vector<int64_t>* ts_ms) {
  items->clear();
  ts_ms->clear();
  if (!status_.is_ok()) return false;
  while (it_->Valid()) {
    keys::EventKey key;
    EventValue value;
    const auto k = it_->key();
    const auto v = it_->value();
    if (!keys::parse_event_key({k.data(), k.size()}, &key) || !decode_event_value({v.data(), v.size()}, &value)) {
      status_ = Status::corruption("malformed event record in " + db_.path());
      return false;
    }
    if (!items->empty() && key.user != *user) return true;  // the next user starts here
    *user = key.user;
    items->push_back(value.item);
    ts_ms->push_back(key.ts_ms);
    it_->Next();
  }
  if (!it_->status().ok()) {
    status_ = from_rocks(it_->status(), "read snapshot of events", db_.path());
    return false;
  }
  return !items->empty();
}

}  // namespace attnrec::storage

#include "storage/rocks/log_scan.h"

#include <memory>

#include "storage/rocks/rocks_status.h"

namespace attnrec::storage {

Status scan_log(const Database& db, const rocksdb::Snapshot* snapshot, uint64_t from_seq,
                const std::function<void(const keys::EventKey&, const EventValue&)>& fn, std::string_view what) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;  // a full scan would evict the serving working set
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(ro, db.cf(kLogCf)));
  for (it->Seek(keys::log_seek_key(from_seq)); it->Valid(); it->Next()) {
    keys::EventKey k;
    EventValue v;
    const auto key = it->key();
    const auto value = it->value();
    if (!keys::parse_log_key({key.data(), key.size()}, &k) || !decode_event_value({value.data(), value.size()}, &v)) {
      return Status::corruption("malformed event record in " + db.path());
    }
    fn(k, v);
  }
  return from_rocks(it->status(), what, db.path());
}

Status user_events(const Database& db, const rocksdb::Snapshot* snapshot, uint32_t user, uint64_t from_seq,
                   std::vector<LoggedEvent>* out, uint64_t* next_seq) {
  *next_seq = from_seq;
  return scan_log(
      db, snapshot, from_seq,
      [&](const keys::EventKey& k, const EventValue& v) {
        *next_seq = k.seq + 1;
        if (k.user != user) return;
        out->push_back({keys::log_key(k.seq, k.user, k.ts_ms), std::string(v.key), v.item, k.ts_ms, v.weight});
      },
      "read the events of a user");
}

}  // namespace attnrec::storage

#include "storage/rocks/rocks_store.h"

#include <algorithm>

#include <rocksdb/db.h>

#include "storage/rocks/event_codec.h"
#include "storage/rocks/keys.h"
#include "storage/rocks/log_scan.h"
#include "storage/rocks/rocks_status.h"
#include "storage/rocks/sequence_snapshot.h"

namespace attnrec::storage {

namespace {

// Bounds a commit group; with 100-event requests a full group is ~100
// requests and a ~1 MiB batch, as LevelDB's 1 MiB bound.
constexpr size_t kMaxGroupWeight = 10000;
// Id dictionaries are loaded in chunks to bound the transient copy.
constexpr size_t kLoadChunk = 1 << 16;

}  // namespace

Status Store::open(const Options& options, std::unique_ptr<Store>* store) {
  std::unique_ptr<RocksStore> rocks;
  Status s = RocksStore::open(options, &rocks);
  if (s.is_ok()) *store = std::move(rocks);
  return s;
}

RocksStore::RocksStore(const Options& options)
    : options_(options),
      queue_(kMaxGroupWeight, [this](std::span<WriterQueue::Writer* const> group) { commit(group); }) {}

RocksStore::~RocksStore() {
  queue_.stop();  // its committer uses the members below
  // Not needed for safety (the log has every event, replay_history reads
  // them back), only to spare the next open that read.
  (void)flush_history();
}  // then db_ flushes and closes

Status RocksStore::open(const Options& options, std::unique_ptr<RocksStore>* store) {
  std::unique_ptr<RocksStore> s(new RocksStore(options));
  if (Status st = s->db_.open(options); !st.is_ok()) return st;
  if (Status st = s->load(); !st.is_ok()) return st;
  *store = std::move(s);
  return Status::ok();
}

Status RocksStore::load() {
  auto load_dict = [&](Cf cf, IdDictionary* dict, std::string_view what) {
    std::vector<std::pair<uint32_t, std::string>> chunk;
    Status bad;
    Status s = scan(
        cf,
        [&](std::string_view key, std::string_view value) {
          uint32_t id = 0;
          if (!keys::parse_u32(key, &id) || id == 0 || value.empty()) {
            bad = Status::corruption(std::string("malformed ") + std::string(what) + " id record in " + db_.path());
            return false;
          }
          chunk.emplace_back(id, std::string(value));
          if (chunk.size() == kLoadChunk) dict->insert(std::exchange(chunk, {}));
          return true;
        },
        what);
    dict->insert(std::move(chunk));
    return bad.is_ok() ? s : bad;
  };
  if (Status s = load_dict(kUsersCf, &users_, "load user ids"); !s.is_ok()) return s;
  if (Status s = load_dict(kItemsCf, &items_, "load item ids"); !s.is_ok()) return s;

  auto load_counter = [&](std::string_view key, uint64_t* out) {
    std::string value;
    if (Status s = get(kMetaCf, std::string(key), &value, "load counters"); !s.is_ok()) return s;
    if (!keys::parse_u64(value, out)) {
      return Status::corruption("malformed counter " + std::string(key) + " in " + db_.path());
    }
    return Status::ok();
  };
  for (auto [key, out] : {std::pair{keys::kNextUser, &counters_.next_user},
                          std::pair{keys::kNextItem, &counters_.next_item},
                          std::pair{keys::kNextSeq, &counters_.next_seq},
                          std::pair{keys::kLiveEvents, &counters_.live_events}}) {
    if (Status s = load_counter(key, out); !s.is_ok()) return s;
  }
  users_seen_ = counters_.next_user - 1;
  items_seen_ = counters_.next_item - 1;
  live_events_ = counters_.live_events;
  return replay_history();
}

Status RocksStore::replay_history() {
  std::string value;
  Status s = get(kMetaCf, std::string(keys::kHistoryApplied), &value, "load the history watermark");
  uint64_t applied = 0;
  if (s.is_not_found()) {
    // A store from before the watermark wrote its history with every event.
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return from_rocks(db_.db()->Put(wo, db_.cf(kMetaCf), std::string(keys::kHistoryApplied),
                                    keys::u64_value(counters_.next_seq)),
                      "write the history watermark", db_.path());
  }
  if (!s.is_ok()) return s;
  if (!keys::parse_u64(value, &applied)) return Status::corruption("malformed history watermark in " + db_.path());
  std::unique_lock lock(pending_mu_);
  return scan_log(
      db_, nullptr, applied,
      [&](const keys::EventKey& k, const EventValue& v) {
        append_history_record({k.ts_ms, k.seq, v.item, v.weight, v.type}, &pending_.by_user[k.user]);
        ++pending_.records;
      },
      "replay the history");
}

Status RocksStore::flush_history() {
  std::unique_lock lock(pending_mu_);
  if (pending_.records == 0) return Status::ok();
  rocksdb::WriteBatch batch;
  for (const auto& [user, records] : pending_.by_user) batch.Merge(db_.cf(kHistoryCf), keys::u32_key(user), records);
  batch.Put(db_.cf(kMetaCf), std::string(keys::kHistoryApplied), keys::u64_value(counters_.next_seq));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  Status s = from_rocks_write(db_.db()->Write(wo, &batch), db_.path());
  if (s.is_ok()) pending_ = PendingHistory{};
  return s;
}

bool RocksStore::pending_history(uint32_t user, std::string* out) const {
  std::shared_lock lock(pending_mu_);
  auto it = pending_.by_user.find(user);
  if (it == pending_.by_user.end()) return false;
  out->append(it->second);
  return true;
}

void RocksStore::drop_pending_history_for_testing() {
  std::unique_lock lock(pending_mu_);
  pending_ = PendingHistory{};
}

// --- writes ----------------------------------------------------------------

Status RocksStore::submit(WriteRequest* request) { return queue_.write(request); }

void RocksStore::commit(std::span<WriterQueue::Writer* const> group) {
  GroupBuilder builder(db_, users_, items_, counters_, pending_, std::max<size_t>(options_.history_buffer, 1));
  Status s = builder.build(group);
  if (s.is_ok()) {
    std::lock_guard lock(test_mu_);
    if (fail_next_commit_) {
      s = *fail_next_commit_;
      fail_next_commit_.reset();
    }
  }
  if (s.is_ok() && builder.batch()->Count() > 0) {
    // After a failed write (a full disk) try to resume first, so the store
    // writes again as soon as the disk does, without a restart.
    if (write_failed_) {
      const rocksdb::Status resumed = db_.resume();
      if (resumed.ok()) write_failed_ = false;
      s = from_rocks_write(resumed, db_.path());
    }
    if (s.is_ok()) {
      rocksdb::WriteOptions wo;
      wo.sync = options_.sync == SyncPolicy::kSync;
      const rocksdb::Status written = db_.db()->Write(wo, builder.batch());
      write_failed_ = !written.ok();
      s = from_rocks_write(written, db_.path());
    }
  }
  if (!s.is_ok()) {
    // All or nothing: no request of the group is stored, no id is kept.
    for (WriterQueue::Writer* w : group) {
      auto* r = static_cast<WriteRequest*>(w);
      r->status = s;
      if (r->result != nullptr) *r->result = WriteResult{};
    }
    return;
  }
  users_.insert(builder.take_new_users());
  items_.insert(builder.take_new_items());
  for (uint32_t user : builder.erased_users()) users_.erase(user);
  {
    std::unique_lock lock(pending_mu_);
    if (builder.flushes_history()) {
      pending_ = PendingHistory{};
    } else if (builder.history_record_count() > 0) {
      for (auto& [user, records] : builder.history_records()) pending_.by_user[user].append(records);
      pending_.records += builder.history_record_count();
    }
    for (uint32_t user : builder.erased_users()) {
      auto it = pending_.by_user.find(user);
      if (it == pending_.by_user.end()) continue;
      std::vector<HistoryRecord> records;
      (void)decode_history(it->second, &records);
      pending_.records -= std::min(pending_.records, records.size());
      pending_.by_user.erase(it);
    }
  }
  counters_ = builder.counters();
  users_seen_ = counters_.next_user - 1;
  items_seen_ = counters_.next_item - 1;
  live_events_ = counters_.live_events;
}

void RocksStore::fail_next_commit_for_testing(Status s) {
  std::lock_guard lock(test_mu_);
  fail_next_commit_ = std::move(s);
}

namespace {

// Cheap checks that keep the encoding valid; the caller validates the rest.
Status check_encodable(std::span<const Event> events) {
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (e.user.empty() || e.item.empty() || e.type.empty() || e.type.size() > kMaxTypeBytes) {
      return Status::invalid_argument("event " + std::to_string(i) +
                                      ": user, item and type must be non-empty, type at most 255 bytes");
    }
  }
  return Status::ok();
}

}  // namespace

Status RocksStore::write_events_async(std::vector<Event> events, WriteDone done) {
  if (Status s = check_encodable(events); !s.is_ok()) return s;
  if (events.empty()) {
    done(Status::ok(), WriteResult{});
    return Status::ok();
  }
  // Owns everything the write needs until its completion frees it.
  struct Pending {
    explicit Pending(std::vector<Event> e, WriteDone d)
        : events(std::move(e)), done(std::move(d)), request(WriteRequest::Kind::kEvents, events.size()) {}
    std::vector<Event> events;
    WriteDone done;
    WriteResult result;
    WriteRequest request;
  };
  auto* p = new Pending(std::move(events), std::move(done));
  p->request.events = p->events;
  p->request.result = &p->result;
  p->request.on_done = [p] {
    std::unique_ptr<Pending> owned(p);
    owned->done(owned->request.status, std::move(owned->result));
  };
  queue_.submit(&p->request);
  return Status::ok();
}

Status RocksStore::write_events(std::span<const Event> events, WriteResult* result) {
  *result = WriteResult{};
  if (Status s = check_encodable(events); !s.is_ok()) return s;
  if (events.empty()) return Status::ok();
  WriteRequest r(WriteRequest::Kind::kEvents, events.size());
  r.events = events;
  r.result = result;
  return submit(&r);
}

Status RocksStore::erase_user(std::string_view user, std::vector<ErasedEvent>* erased) {
  if (erased) erased->clear();
  WriteRequest r(WriteRequest::Kind::kEraseUser);
  r.key = user;
  r.erased = erased;
  // The log is in arrival order, so finding the user's events reads all of
  // it: from a snapshot here, while ingest goes on; the leader then reads
  // only what was written after the snapshot.
  std::vector<LoggedEvent> found;
  if (const uint32_t id = users_.find(user)) {
    const rocksdb::Snapshot* snap = db_.db()->GetSnapshot();
    Status s = user_events(db_, snap, id, 1, &found, &r.found_below);
    db_.db()->ReleaseSnapshot(snap);
    if (!s.is_ok()) return s;
    r.found = &found;
    r.found_user = id;
  }
  return submit(&r);
}

Status RocksStore::put_catalog(std::span<const std::pair<std::string, std::string>> records) {
  for (const auto& rec : records) {
    if (rec.first.empty()) return Status::invalid_argument("empty item id in catalog record");
  }
  if (records.empty()) return Status::ok();
  WriteRequest r(WriteRequest::Kind::kPutCatalog, records.size());
  r.records = records;
  return submit(&r);
}

Status RocksStore::add_items(std::span<const std::string> items) {
  for (const std::string& item : items) {
    if (item.empty()) return Status::invalid_argument("empty item id");
  }
  if (items.empty()) return Status::ok();
  WriteRequest r(WriteRequest::Kind::kAddItems, items.size());
  r.items = items;
  return submit(&r);
}

Status RocksStore::put_model(std::string_view version, std::string_view record) {
  if (version.empty()) return Status::invalid_argument("empty model version");
  WriteRequest r(WriteRequest::Kind::kPut);
  r.cf = kModelsCf;
  r.key = version;
  r.value = record;
  return submit(&r);
}

Status RocksStore::set_meta(std::string_view key, std::string_view value) {
  const std::string full = keys::user_meta_key(key);
  WriteRequest r(WriteRequest::Kind::kPut);
  r.cf = kMetaCf;
  r.key = full;
  r.value = value;
  return submit(&r);
}

// --- reads -----------------------------------------------------------------

Status RocksStore::get(Cf cf, const std::string& key, std::string* value, std::string_view what) const {
  return from_rocks(db_.db()->Get(rocksdb::ReadOptions(), db_.cf(cf), key, value), what, db_.path());
}

Status RocksStore::scan(Cf cf, const std::function<bool(std::string_view, std::string_view)>& fn,
                        std::string_view what) const {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_.db()->NewIterator(ro, db_.cf(cf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!fn({it->key().data(), it->key().size()}, {it->value().data(), it->value().size()})) break;
  }
  return from_rocks(it->status(), what, db_.path());
}

Status RocksStore::history_records(uint32_t user, std::string* bytes, std::vector<HistoryRecord>* records) const {
  Status s = get(kHistoryCf, keys::u32_key(user), bytes, "read history");
  if (s.is_not_found()) {
    bytes->clear();
  } else if (!s.is_ok()) {
    return s;
  }
  const bool buffered = pending_history(user, bytes);  // records after the stored ones
  if (!decode_history(*bytes, records)) {
    return Status::corruption("malformed history of user " + std::to_string(user) + " in " + db_.path());
  }
  if (buffered) newest_history(options_.history_cap, records);
  return Status::ok();
}

Status RocksStore::history(uint32_t user, size_t limit, std::vector<HistoryEntry>* out) const {
  out->clear();
  if (user == 0 || limit == 0) return Status::ok();
  std::string bytes;
  std::vector<HistoryRecord> records;
  if (Status s = history_records(user, &bytes, &records); !s.is_ok()) return s;
  const size_t first = records.size() > limit ? records.size() - limit : 0;
  out->reserve(records.size() - first);
  for (size_t i = first; i < records.size(); ++i) {
    const HistoryRecord& r = records[i];
    out->push_back({r.item, items_.name(r.item), std::string(r.type), r.ts_ms, r.weight});
  }
  return Status::ok();
}

Status RocksStore::history_typed(uint32_t user, size_t limit, std::vector<uint32_t>* items,
                                 std::vector<std::string>* types) const {
  items->clear();
  types->clear();
  if (user == 0 || limit == 0) return Status::ok();
  thread_local std::string bytes;  // reused: serving reads allocate nothing once warm
  thread_local std::vector<HistoryRecord> records;
  records.clear();
  if (Status s = history_records(user, &bytes, &records); !s.is_ok()) return s;
  const size_t first = records.size() > limit ? records.size() - limit : 0;
  for (size_t i = first; i < records.size(); ++i) {
    items->push_back(records[i].item);
    types->emplace_back(records[i].type);
  }
  return Status::ok();
}

Status RocksStore::history_items(uint32_t user, size_t limit, std::vector<uint32_t>* out) const {
  out->clear();
  if (user == 0 || limit == 0) return Status::ok();
  rocksdb::PinnableSlice value;  // read in place from the block cache, no copy
  const rocksdb::Status rs =
      db_.db()->Get(rocksdb::ReadOptions(), db_.cf(kHistoryCf), keys::u32_key(user), &value);
  if (!rs.ok() && !rs.IsNotFound()) return from_rocks(rs, "read history", db_.path());
  const std::string_view stored = rs.ok() ? std::string_view(value.data(), value.size()) : std::string_view();
  std::string bytes;
  if (!pending_history(user, &bytes)) {
    if (!decode_history_items(stored, limit, out)) {
      return Status::corruption("malformed history of user " + std::to_string(user) + " in " + db_.path());
    }
    return Status::ok();
  }
  // Buffered records may be older than stored ones: order them all as the
  // merge operator would.
  bytes.insert(0, stored);
  std::vector<HistoryRecord> records;
  if (!decode_history(bytes, &records)) {
    return Status::corruption("malformed history of user " + std::to_string(user) + " in " + db_.path());
  }
  newest_history(std::min(limit, options_.history_cap), &records);
  out->reserve(records.size());
  for (const HistoryRecord& r : records) out->push_back(r.item);
  return Status::ok();
}

Status RocksStore::scan_events(const std::function<void(uint32_t, uint32_t, int64_t, float)>& fn) const {
  return scan_log(
      db_, nullptr, 1, [&](const keys::EventKey& k, const EventValue& v) { fn(k.user, v.item, k.ts_ms, v.weight); },
      "scan events");
}

std::unique_ptr<SequenceSnapshot> RocksStore::snapshot() const {
  return std::make_unique<RocksSequenceSnapshot>(db_);
}

Status RocksStore::scan_catalog(const std::function<void(uint32_t, std::string_view, std::string_view)>& fn) const {
  Status bad;
  Status s = scan(
      kCatalogCf,
      [&](std::string_view key, std::string_view value) {
        uint32_t id = 0;
        if (!keys::parse_u32(key, &id)) {
          bad = Status::corruption("malformed catalog key in " + db_.path());
          return false;
        }
        fn(id, items_.name(id), value);
        return true;
      },
      "scan catalog");
  return bad.is_ok() ? s : bad;
}

Status RocksStore::get_model(std::string_view version, std::string* record) const {
  Status s = get(kModelsCf, std::string(version), record, "read model record");
  if (s.is_not_found()) return Status::not_found("unknown model version " + in_quotes(version));
  return s;
}

Status RocksStore::list_models(std::vector<std::pair<std::string, std::string>>* out) const {
  out->clear();
  return scan(
      kModelsCf,
      [&](std::string_view key, std::string_view value) {
        out->emplace_back(key, value);
        return true;
      },
      "list models");
}

Status RocksStore::get_meta(std::string_view key, std::string* value) const {
  Status s = get(kMetaCf, keys::user_meta_key(key), value, "read meta");
  if (s.is_not_found()) return Status::not_found("no meta value for key " + in_quotes(key));
  return s;
}

Stats RocksStore::stats() const {
  Stats st;
  st.users = users_seen_;
  st.items = items_seen_;
  st.events = live_events_;
  uint64_t sst = 0;
  if (db_.db()->GetAggregatedIntProperty("rocksdb.total-sst-files-size", &sst)) st.disk_bytes += sst;
  rocksdb::VectorLogPtr wal_files;
  if (db_.db()->GetSortedWalFiles(wal_files).ok()) {
    for (const auto& f : wal_files) st.disk_bytes += f->SizeFileBytes();
  }
  return st;
}

}  // namespace attnrec::storage

#include "storage/rocks/group_builder.h"

#include <memory>

#include <rocksdb/db.h>

#include "storage/rocks/event_codec.h"
#include "storage/rocks/keys.h"
#include "storage/rocks/rocks_status.h"

namespace attnrec::storage {

namespace {

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

WriteRequest* as_request(WriterQueue::Writer* w) { return static_cast<WriteRequest*>(w); }

}  // namespace

GroupBuilder::GroupBuilder(const Database& db, const IdDictionary& users, const IdDictionary& items,
                           const Counters& counters, const PendingHistory& pending, size_t flush_at)
    : db_(db), users_(users), items_(items), pending_(pending), flush_at_(flush_at), counters_(counters) {}

Status GroupBuilder::build(std::span<WriterQueue::Writer* const> group) {
  const Counters before = counters_;
  std::unordered_set<std::string> stored;
  if (Status s = stored_keys(group, &stored); !s.is_ok()) return s;

  for (WriterQueue::Writer* w : group) {
    WriteRequest* r = as_request(w);
    r->status = Status::ok();
    Status s;
    switch (r->kind) {
      case WriteRequest::Kind::kEvents:
        s = add_events(r, stored);
        break;
      case WriteRequest::Kind::kPutCatalog:
        for (const auto& [name, record] : r->records) {
          ops_.put(kCatalogCf, keys::u32_key(item_id(name)), record);
        }
        break;
      case WriteRequest::Kind::kAddItems:
        for (const std::string& name : r->items) item_id(name);
        break;
      case WriteRequest::Kind::kPut:
        ops_.put(r->cf, r->key, r->value);
        break;
      case WriteRequest::Kind::kEraseUser:
        s = add_erase_user(r);
        break;
    }
    if (!s.is_ok()) return s;
  }
  if (counters_.next_user > UINT32_MAX + uint64_t{1} || counters_.next_item > UINT32_MAX + uint64_t{1}) {
    return Status::invalid_argument("id space exhausted: more than 2^32-1 users or items in " + db_.path());
  }

  flush_history_ = history_records_ > 0 && pending_.records + history_records_ >= flush_at_;
  if (flush_history_) {
    for (const auto& [user, records] : pending_.by_user) {
      auto mine = history_ops_.find(user);
      if (mine == history_ops_.end()) {
        ops_.merge(kHistoryCf, keys::u32_key(user), records);
      } else {
        ops_.merge(kHistoryCf, keys::u32_key(user), records + mine->second);
      }
    }
    for (const auto& [user, records] : history_ops_) {
      if (!pending_.by_user.contains(user)) ops_.merge(kHistoryCf, keys::u32_key(user), records);
    }
    ops_.put(kMetaCf, keys::kHistoryApplied, keys::u64_value(counters_.next_seq));
  }
  put_counters(before);
  ops_.write_to(db_, &batch_);
  return Status::ok();
}

Status GroupBuilder::stored_keys(std::span<WriterQueue::Writer* const> group,
                                 std::unordered_set<std::string>* out) const {
  std::unordered_set<std::string_view> unique;
  for (WriterQueue::Writer* w : group) {
    WriteRequest* r = as_request(w);
    if (r->kind != WriteRequest::Kind::kEvents) continue;
    for (const Event& e : r->events) {
      if (!e.id.empty()) unique.insert(e.id);
    }
  }
  if (unique.empty()) return Status::ok();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(unique.size());
  for (std::string_view k : unique) slices.push_back(slice(k));
  std::vector<rocksdb::PinnableSlice> values(slices.size());
  std::vector<rocksdb::Status> statuses(slices.size());
  db_.db()->MultiGet(rocksdb::ReadOptions(), db_.cf(kDedupCf), slices.size(), slices.data(), values.data(),
                     statuses.data());
  for (size_t i = 0; i < slices.size(); ++i) {
    if (statuses[i].ok()) {
      out->insert(slices[i].ToString());
    } else if (!statuses[i].IsNotFound()) {
      return from_rocks(statuses[i], "read idempotency keys", db_.path());
    }
  }
  return Status::ok();
}

Status GroupBuilder::add_events(WriteRequest* r, const std::unordered_set<std::string>& stored) {
  WriteResult result;
  result.stored.assign(r->events.size(), false);
  result.ids.assign(r->events.size(), {0, 0});
  std::string value;
  for (size_t i = 0; i < r->events.size(); ++i) {
    const Event& e = r->events[i];
    if (!e.id.empty()) {
      // Seen in the database, or earlier in this group (this request included).
      if (stored.contains(e.id) || !group_keys_.insert(e.id).second) {
        ++result.duplicates;
        continue;
      }
    }
    result.stored[i] = true;
    const uint32_t user = user_id(e.user);
    const uint32_t item = item_id(e.item);
    const uint64_t seq = counters_.next_seq++;
    result.ids[i] = {user, item};
    value.clear();
    encode_event_value({item, e.weight, e.type, e.id}, &value);
    ops_.put(kLogCf, keys::log_key(seq, user, e.ts_ms), value);
    append_history_record({e.ts_ms, seq, item, e.weight, e.type}, &history_ops_[user]);
    ++history_records_;
    if (!e.id.empty()) ops_.put(kDedupCf, e.id, keys::u64_value(seq));
    ++result.written;
  }
  counters_.live_events += result.written;
  *r->result = result;
  return Status::ok();
}

Status GroupBuilder::add_erase_user(WriteRequest* r) {
  const uint32_t user = users_.find(r->key);
  if (user == 0) {
    r->status = Status::not_found("unknown user \"" + std::string(r->key) + "\"");
    return Status::ok();
  }
  // The snapshot read covers seqs below found_below; the leader is the only
  // writer, so reading the rest of the log here finds everything else.
  std::vector<LoggedEvent> events;
  uint64_t from = 1;
  if (r->found != nullptr && r->found_user == user) {
    events = *r->found;
    from = r->found_below;
  }
  uint64_t end = 0;
  if (Status s = user_events(db_, nullptr, user, from, &events, &end); !s.is_ok()) return s;
  for (const LoggedEvent& e : events) {
    ops_.erase(kLogCf, e.log_key);
    if (!e.dedup_key.empty()) ops_.erase(kDedupCf, e.dedup_key);
    if (r->erased) r->erased->push_back({e.item, e.ts_ms, e.weight});
  }
  const uint64_t count = events.size();

  ops_.erase(kHistoryCf, keys::u32_key(user));
  ops_.erase(kUserIdsCf, r->key);
  ops_.erase(kUsersCf, keys::u32_key(user));
  counters_.live_events -= count;
  erased_users_.push_back(user);
  return Status::ok();
}

uint32_t GroupBuilder::user_id(std::string_view name) {
  return allocate(name, users_, kUserIdsCf, kUsersCf, &counters_.next_user, &pending_users_, &new_users_, &ops_);
}

uint32_t GroupBuilder::item_id(std::string_view name) {
  return allocate(name, items_, kItemIdsCf, kItemsCf, &counters_.next_item, &pending_items_, &new_items_, &ops_);
}

uint32_t GroupBuilder::allocate(std::string_view name, const IdDictionary& dict, Cf name_cf, Cf id_cf,
                                uint64_t* next, std::unordered_map<std::string_view, uint32_t>* pending,
                                std::vector<std::pair<uint32_t, std::string>>* created, SortedBatch* ops) {
  if (uint32_t id = dict.find(name)) return id;
  auto [it, inserted] = pending->emplace(name, 0);
  if (!inserted) return it->second;
  // Past 2^32-1 the id wraps; build() refuses the group before it is written.
  const auto id = static_cast<uint32_t>((*next)++);
  it->second = id;
  const std::string id_key = keys::u32_key(id);
  ops->put(name_cf, name, id_key);
  ops->put(id_cf, id_key, name);
  created->emplace_back(id, std::string(name));
  return id;
}

void GroupBuilder::put_counters(const Counters& before) {
  auto put = [&](std::string_view key, uint64_t now, uint64_t was) {
    if (now != was) ops_.put(kMetaCf, key, keys::u64_value(now));
  };
  put(keys::kNextUser, counters_.next_user, before.next_user);
  put(keys::kNextItem, counters_.next_item, before.next_item);
  put(keys::kNextSeq, counters_.next_seq, before.next_seq);
  put(keys::kLiveEvents, counters_.live_events, before.live_events);
}

}  // namespace attnrec::storage

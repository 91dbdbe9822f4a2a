#include "storage/rocks/sequence_snapshot.h"

#include <algorithm>

#include "storage/rocks/log_scan.h"

namespace attnrec::storage {

RocksSequenceSnapshot::RocksSequenceSnapshot(const Database& db) : db_(db), snapshot_(db.db()->GetSnapshot()) {}

RocksSequenceSnapshot::~RocksSequenceSnapshot() { db_.db()->ReleaseSnapshot(snapshot_); }

void RocksSequenceSnapshot::load() {
  loaded_ = true;
  status_ = scan_log(
      db_, snapshot_, 1,
      [&](const keys::EventKey& k, const EventValue& v) {
        if (k.user >= by_user_.size()) by_user_.resize(size_t{k.user} + 1);
        auto it = type_ids_.find(v.type);
        if (it == type_ids_.end()) {  // keyed on the kept copy: v.type is the iterator's buffer
          type_names_.emplace_back(v.type);
          it = type_ids_.emplace(type_names_.back(), static_cast<uint32_t>(type_names_.size() - 1)).first;
        }
        by_user_[k.user].push_back({k.ts_ms, v.item, it->second});
      },
      "read snapshot of events");
  // Arrival order within equal times is kept (stable), as the old per-user
  // key order (user, ts, seq) gave it.
  for (auto& events : by_user_) {
    std::stable_sort(events.begin(), events.end(), [](const Entry& a, const Entry& b) { return a.ts_ms < b.ts_ms; });
  }
}

bool RocksSequenceSnapshot::next(uint32_t* user, std::vector<uint32_t>* items, std::vector<int64_t>* ts_ms,
                                 std::vector<std::string_view>* types) {
  items->clear();
  ts_ms->clear();
  if (types) types->clear();
  if (!loaded_) load();
  if (!status_.is_ok()) return false;
  while (next_user_ < by_user_.size() && by_user_[next_user_].empty()) ++next_user_;
  if (next_user_ == by_user_.size()) return false;
  std::vector<Entry> events = std::move(by_user_[next_user_]);  // freed as it is handed out
  *user = static_cast<uint32_t>(next_user_++);
  items->reserve(events.size());
  ts_ms->reserve(events.size());
  for (const Entry& e : events) {
    items->push_back(e.item);
    ts_ms->push_back(e.ts_ms);
    if (types) types->push_back(type_names_[e.type]);
  }
  return true;
}

}  // namespace attnrec::storage

#include "service/events.h"

#include "service/clock.h"
#include "service/config.h"
#include "service/metrics.h"
#include "service/popularity.h"
#include "service/validate.h"
#include "storage/store.h"

namespace attnrec::service {

Events::Events(storage::Store& store, Popularity& popularity, Metrics& metrics,
               const Config& config, IngestedFn on_ingested, UserChangedFn on_user_changed)
    : store_(store),
      popularity_(popularity),
      metrics_(metrics),
      config_(config),
      on_ingested_(std::move(on_ingested)),
      on_user_changed_(std::move(on_user_changed)) {}

Status Events::load() {
  return store_.scan_events([&](uint32_t, uint32_t item, int64_t ts, float w) {
    popularity_.add(item, ts, w);
  });
}

Status Events::ingest(std::span<const EventInput> events, IngestResult* result) {
  *result = {};
  if (events.empty()) return Status::invalid_argument("no events given");
  if (events.size() > config_.max_batch_events) {
    metrics_.add_events_rejected(events.size());
    return Status::too_large("a batch holds at most " + std::to_string(config_.max_batch_events) +
                             " events; got " + std::to_string(events.size()));
  }
  const int64_t now = now_ms();
  std::vector<storage::Event> batch;
  batch.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (Status s = check_event(events[i]); !s.is_ok()) {
      metrics_.add_events_rejected(events.size());
      return events.size() > 1 ? s.with_prefix("events[" + std::to_string(i) + "]: ") : s;
    }
    const EventInput& e = events[i];
    batch.push_back({e.user, e.item, e.type, e.ts_ms.value_or(now), e.weight, e.id});
  }
  storage::WriteResult written;
  if (Status s = store_.write_events(batch, &written); !s.is_ok()) {
    metrics_.add_events_rejected(events.size());
    return s;
  }
  result->accepted = written.written;
  result->duplicates = written.duplicates;
  metrics_.add_events_ingested(written.written);
  metrics_.add_events_duplicate(written.duplicates);
  uint32_t last_user = 0;  // batches often hold runs of one user's events
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!written.stored.empty() && !written.stored[i]) continue;  // a duplicate
    const auto [user, item] = written.ids[i];
    popularity_.add(item, batch[i].ts_ms, batch[i].weight);
    if (on_user_changed_ && user != last_user) {
      on_user_changed_(user);
      last_user = user;
    }
  }
  if (on_ingested_ && written.written > 0) on_ingested_(written.written);
  return Status::ok();
}

Status Events::history(std::string_view user, size_t limit, std::vector<HistoryEvent>* out) const {
  out->clear();
  const uint32_t uid = store_.find_user(user);
  if (!uid) return Status::not_found("no user " + quoted(user));
  std::vector<storage::HistoryEntry> entries;
  if (Status s = store_.history(uid, limit, &entries); !s.is_ok()) return s;
  out->reserve(entries.size());
  for (auto& e : entries) out->push_back({std::move(e.item_id), std::move(e.type), e.ts_ms, e.weight});
  return Status::ok();
}

Status Events::erase_user(std::string_view user) {
  const uint32_t uid = store_.find_user(user);
  if (!uid) return Status::not_found("no user " + quoted(user));
  // Every erased event leaves the popularity aggregate too (all of them: the
  // aggregate counts the whole log, not only the history's newest).
  std::vector<storage::ErasedEvent> erased;
  if (Status s = store_.erase_user(user, &erased); !s.is_ok()) return s;
  for (const auto& e : erased) popularity_.add(e.item, e.ts_ms, e.weight, -1);
  if (on_user_changed_) on_user_changed_(uid);
  return Status::ok();
}

}  // namespace attnrec::service

#include "service/events.h"

#include "service/cluster/event_log.h"
#include "service/clock.h"
#include "service/config.h"
#include "service/metrics.h"
#include "service/popularity.h"
#include "service/validate.h"
#include "storage/store.h"

namespace attnrec::service {

Events::Events(storage::Store& store, Popularity& popularity, Metrics& metrics,
               const Config& config, IngestedFn on_ingested, UserChangedFn on_user_changed,
               cluster::EventLog* log)
    : store_(store),
      popularity_(popularity),
      metrics_(metrics),
      config_(config),
      on_ingested_(std::move(on_ingested)),
      on_user_changed_(std::move(on_user_changed)),
      log_(log) {}

Status Events::load() {
  return store_.scan_events([&](uint32_t, uint32_t item, int64_t ts, float w) {
    popularity_.add(item, ts, w);
  });
}

Status Events::prepare(std::span<const EventInput> events, std::vector<storage::Event>* batch) {
  if (events.empty()) return Status::invalid_argument("no events given");
  if (events.size() > config_.max_batch_events) {
    metrics_.add_events_rejected(events.size());
    return Status::too_large("a batch holds at most " + std::to_string(config_.max_batch_events) +
                             " events; got " + std::to_string(events.size()));
  }
  const int64_t now = now_ms();
  batch->reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (Status s = check_event(events[i]); !s.is_ok()) {
      metrics_.add_events_rejected(events.size());
      return events.size() > 1 ? s.with_prefix("events[" + std::to_string(i) + "]: ") : s;
    }
    const EventInput& e = events[i];
    batch->push_back({e.user, e.item, e.type, e.ts_ms.value_or(now), e.weight, e.id});
  }
  return Status::ok();
}

namespace {

std::vector<std::pair<int64_t, float>> times_and_weights(const std::vector<storage::Event>& batch) {
  std::vector<std::pair<int64_t, float>> out;
  out.reserve(batch.size());
  for (const auto& e : batch) out.emplace_back(e.ts_ms, e.weight);
  return out;
}

}  // namespace

IngestResult Events::finish(std::span<const std::pair<int64_t, float>> when, const storage::WriteResult& written) {
  IngestResult result{written.written, written.duplicates};
  metrics_.add_events_ingested(written.written);
  metrics_.add_events_duplicate(written.duplicates);
  uint32_t last_user = 0;  // batches often hold runs of one user's events
  for (size_t i = 0; i < when.size(); ++i) {
    if (!written.stored.empty() && !written.stored[i]) continue;  // a duplicate
    const auto [user, item] = written.ids[i];
    popularity_.add(item, when[i].first, when[i].second);
    if (on_user_changed_ && user != last_user) {
      on_user_changed_(user);
      last_user = user;
    }
  }
  if (on_ingested_ && written.written > 0) on_ingested_(written.written);
  return result;
}

Status Events::ingest(std::span<const EventInput> events, IngestResult* result) {
  *result = {};
  std::vector<storage::Event> batch;
  if (Status s = prepare(events, &batch); !s.is_ok()) return s;
  if (log_ != nullptr) {
    cluster::AppendResult appended;
    if (Status s = log_->append(std::move(batch), &appended); !s.is_ok()) {
      metrics_.add_events_rejected(events.size());
      return s;
    }
    *result = {appended.accepted, appended.duplicates};
    return Status::ok();
  }
  storage::WriteResult written;
  if (Status s = store_.write_events(batch, &written); !s.is_ok()) {
    metrics_.add_events_rejected(events.size());
    return s;
  }
  *result = finish(times_and_weights(batch), written);
  return Status::ok();
}

Status Events::ingest_async(std::span<const EventInput> events, IngestDone done) {
  std::vector<storage::Event> batch;
  if (Status s = prepare(events, &batch); !s.is_ok()) return s;
  const size_t n = batch.size();
  if (log_ != nullptr) {
    log_->append_async(std::move(batch), [this, n, done = std::move(done)](
                                             Status st, cluster::AppendResult appended) {
      if (!st.is_ok()) metrics_.add_events_rejected(n);
      done(st, IngestResult{appended.accepted, appended.duplicates});
    });
    return Status::ok();
  }
  auto when = times_and_weights(batch);  // before the events are moved into the store
  Status s = store_.write_events_async(
      std::move(batch), [this, n, when = std::move(when), done = std::move(done)](
                            Status st, storage::WriteResult written) {
        if (!st.is_ok()) {
          metrics_.add_events_rejected(n);
          done(st, IngestResult{});
          return;
        }
        done(Status::ok(), finish(when, written));
      });
  if (!s.is_ok()) metrics_.add_events_rejected(n);
  return s;
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
  if (log_ != nullptr) {
    // Known before the erasure goes out: this node's own view may apply it
    // before the local erase below runs.
    const bool known = store_.find_user(user) != 0;
    if (Status s = log_->erase(user); !s.is_ok()) return s;
    const Status s = erase_logged(user);
    if (s.is_not_found() && known) return Status::ok();
    return s;
  }
  return erase_logged(user);
}

Status Events::apply_logged(std::vector<storage::Event> events) {
  storage::WriteResult written;
  if (Status s = store_.write_events(events, &written); !s.is_ok()) return s;
  finish(times_and_weights(events), written);
  return Status::ok();
}

Status Events::erase_logged(std::string_view user) {
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

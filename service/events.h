// Events: ingest of interaction events, a user's history, and erasing a user
// (right to be forgotten), over the store, keeping the popularity aggregate
// in step.
//
// Thread safety: every method may be called from any number of threads at
// once. A rejected request (any non-ok Status) has written nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace attnrec::storage {
class Store;
struct Event;
struct WriteResult;
}  // namespace attnrec::storage

namespace attnrec::service::cluster { class EventLog; }

namespace attnrec::service {

struct Config;
class Metrics;
class Popularity;

// One interaction as a caller sends it (validated by Events::ingest).
struct EventInput {
  std::string user;              // 1-256 bytes of UTF-8
  std::string item;              // 1-256 bytes of UTF-8
  std::string type = "view";     // 1-32 chars of [a-z0-9_-]
  std::optional<int64_t> ts_ms;  // unix milliseconds; absent = now
  float weight = 1.0f;           // finite
  std::string id;                // idempotency key, optional (<= 256 bytes)
};

struct IngestResult {
  size_t accepted = 0;    // new events stored
  size_t duplicates = 0;  // events whose id was seen before (accepted once)
};

// One event of a user's history, as returned to callers.
struct HistoryEvent {
  std::string item;
  std::string type;
  int64_t ts_ms = 0;
  float weight = 1.0f;
};

class Events {
 public:
  // Called after each accepted ingest with the number of new events (the
  // retrain schedule counts them). Must be cheap and must not throw.
  using IngestedFn = std::function<void(uint64_t new_events)>;
  // Called once per user whose history changed (new events stored, or
  // erased), after the store has the change and before the call returns.
  // Must be cheap and must not throw.
  using UserChangedFn = std::function<void(uint32_t user)>;

  // Every reference must outlive this object. With a `log` (cluster mode),
  // ingest and erasure go through the cluster's event log and the store is
  // a view that apply_logged and erase_logged write (service/cluster/).
  Events(storage::Store& store, Popularity& popularity, Metrics& metrics, const Config& config,
         IngestedFn on_ingested = {}, UserChangedFn on_user_changed = {},
         cluster::EventLog* log = nullptr);

  // Adds every stored event to the popularity aggregate (at start).
  Status load();

  // Validates every event first (a bad one rejects the whole batch with its
  // index in the message), then stores all atomically and durably.
  // kTooLarge when over config.max_batch_events.
  Status ingest(std::span<const EventInput> events, IngestResult* result);
  // The same without a thread waiting for the commit: a non-ok return is a
  // rejection (nothing queued, `done` not called); otherwise `done` gets the
  // outcome once, possibly on another thread (the store's committing one),
  // and must be short and not throw.
  using IngestDone = std::function<void(Status, IngestResult)>;
  Status ingest_async(std::span<const EventInput> events, IngestDone done);

  // The user's newest `limit` events, newest last. kNotFound for an unknown user.
  Status history(std::string_view user, size_t limit, std::vector<HistoryEvent>* out) const;

  // Erases the user and all their events. kNotFound for an unknown user.
  // In cluster mode the erasure goes to the log first (even for a user this
  // node's view does not know yet, so a lagging view drops them too), then
  // the local view drops the user.
  Status erase_user(std::string_view user);

  // Cluster mode: a view's writes of what the log holds (events already
  // validated and with ids; a repeat is skipped by its id).
  Status apply_logged(std::vector<storage::Event> events);
  Status erase_logged(std::string_view user);

 private:
  // Validation and conversion to the store's events (the rejection if any).
  Status prepare(std::span<const EventInput> events, std::vector<storage::Event>* batch);
  // After a write: metrics, popularity and the users' change callbacks.
  // `when` holds each event's (ts_ms, weight), in the order written.
  IngestResult finish(std::span<const std::pair<int64_t, float>> when, const storage::WriteResult& written);

  storage::Store& store_;
  Popularity& popularity_;
  Metrics& metrics_;
  const Config& config_;
  const IngestedFn on_ingested_;
  const UserChangedFn on_user_changed_;
  cluster::EventLog* const log_;
};

}  // namespace attnrec::service

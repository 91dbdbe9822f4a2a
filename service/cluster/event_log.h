// Cluster mode's ingest side: validated events go to the JetStream stream
// ATTNREC_EVENTS (service/cluster/shards.h has its subjects), one message
// per user of a request, and an ingest is answered only once JetStream
// acknowledged every message (a PubAck: a quorum of the stream's replicas
// stored it). Nothing is written to the local store here: the nodes that
// view the user's shard apply the message (service/cluster/shard_applier.h).
//
// Every event leaves with an idempotency key: the caller's `id`, or one made
// here (`~<64-bit random hex>.<counter>`, unique per process), so a view that
// is handed a message again (a consumer is at least once) skips what it has.
// The message id JetStream de-duplicates by is the event's id for a
// one-event message and a hash of the ids for more, so a publish that timed
// out is retried safely, and a client's repeat of a request with ids within
// JetStream's duplicate window (2 minutes) is answered as duplicates.
//
// A request of several users is several publishes: a 503 on one may leave
// the users published before it stored (a retry with ids is exactly once).
//
// Thread safety: every method may be called from any number of threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "service/config.h"
#include "storage/store.h"

namespace boost::asio { class thread_pool; }
namespace attnrec::storage::nats {
class JetStream;
struct PubAck;
}  // namespace attnrec::storage::nats

namespace attnrec::service::cluster {

struct AppendResult {
  size_t accepted = 0;    // events the stream took
  size_t duplicates = 0;  // events of messages the stream had already (within its window)
  uint64_t last_seq = 0;  // the highest stream sequence written
};

// kInvalidArgument, saying what, unless: nodes non-empty with distinct
// names of 1-64 [A-Za-z0-9_-], node one of them, 1 <= nodes <= shards <= 4096.
Status check_config(const ClusterConfig& config);

// Publishes one message, retrying for up to 10 s a publish that found no
// stream leader or timed out (a nats-server failing over); `msg_id` makes
// the retry safe. The last failure after that (kUnavailable mostly).
Status publish_patiently(storage::nats::JetStream& js, std::string_view subject, std::string_view msg_id,
                         std::string_view payload, storage::nats::PubAck* ack);

class EventLog {
 public:
  // Checks the config (check_config), connects to config.nats and creates or updates the event stream (so the
  // first node of a cluster sets it up). Fails kUnavailable when no server
  // answers and kInvalidArgument for a configuration the servers refuse.
  static Status open(const ClusterConfig& config, std::unique_ptr<EventLog>* out);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Publishes `events` (validated by the caller), giving each one without
  // an id an id of its own first. Retries a publish that found no stream
  // leader or timed out (a nats-server failing over) for up to
  // `kPublishPatience`, then fails kUnavailable.
  Status append(std::vector<storage::Event> events, AppendResult* result);
  // The same on a thread of the log's own; `done` is called there, once.
  using AppendDone = std::function<void(Status, AppendResult)>;
  void append_async(std::vector<storage::Event> events, AppendDone done);

  // Publishes the erasure of `user` on its subject, then purges every
  // earlier message of that subject: the stream keeps no event of the
  // user, and every view, applying the erasure in order, drops the user.
  Status erase(std::string_view user);

  storage::nats::JetStream& jetstream() { return *js_; }
  const ClusterConfig& config() const { return config_; }
  // The event stream's replicas (the catalog bucket takes as many).
  int replicas() const;

 private:
  EventLog(const ClusterConfig& config, std::unique_ptr<storage::nats::JetStream> js);
  Status publish(const std::string& subject, const std::string& msg_id, const std::string& payload,
                 uint64_t* seq, bool* duplicate);

  const ClusterConfig config_;
  std::unique_ptr<storage::nats::JetStream> js_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  const std::string id_prefix_;  // "~<random hex>."
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace attnrec::service::cluster

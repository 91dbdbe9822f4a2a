// Cluster mode's view side: one thread per shard this node views
// (service/cluster/shards.h) reads the shard's messages from the event
// stream in order with a durable pull consumer and applies them to the
// local store: events are written (their ids make a message handed over
// again a no-op), an erasure erases the user.
//
// The store is the source of truth for how far a shard has been applied:
// after each batch the shard's last stream sequence goes into the store's
// meta (`cluster.applied.<shard>`), and every consumer is created anew
// from the sequence after it (at start, and when one fails: consumers keep
// one in-memory replica, no consensus, since the store has the position).
// So a node restarted on an empty data directory replays its shards from
// the stream's first message, and a lost consumer or ack costs a
// redelivery, never a gap.
//
// Thread safety: caught_up and applied may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace attnrec::storage::nats { class JetStream; }

namespace attnrec::service::cluster {

class ShardApplier {
 public:
  // Writes events to the local view; a failure stops the shard's progress
  // (retried) and never skips a message.
  using ApplyFn = std::function<Status(std::vector<storage::Event>)>;
  // Erases a user from the local view (a user the view never had is ok).
  using EraseFn = std::function<Status(std::string_view user)>;

  // Every reference must outlive this object. `node` names the consumers
  // (`<node>-s<shard>-<random>-<n>`).
  ShardApplier(storage::nats::JetStream& js, storage::Store& store, std::string node,
               std::vector<uint32_t> shards, ApplyFn apply, EraseFn erase);
  ~ShardApplier();  // stops the threads
  ShardApplier(const ShardApplier&) = delete;
  ShardApplier& operator=(const ShardApplier&) = delete;

  // Reads each shard's applied sequence from the store and starts the threads.
  Status start();

  // True once every shard has applied all the stream held for it at some
  // moment after start (a fetch found no more): the node's views are then
  // as complete as its start found the stream.
  bool caught_up() const { return pending_shards_.load(std::memory_order_acquire) == 0; }
  // Messages applied since start, over all shards.
  uint64_t applied_messages() const { return applied_messages_.load(std::memory_order_relaxed); }

 private:
  struct Shard {
    uint32_t id = 0;
    uint64_t applied = 0;  // stream sequence, 0 = nothing yet
    bool caught_up = false;
  };
  void run(Shard* shard);
  Status apply_batch(Shard* shard, std::vector<std::string_view> payloads, uint64_t last_seq);

  storage::nats::JetStream& js_;
  storage::Store& store_;
  const std::string node_;
  const std::string nonce_;  // random, per process: names its consumers
  const ApplyFn apply_;
  const EraseFn erase_;
  std::vector<Shard> shards_;
  std::atomic<size_t> pending_shards_{0};
  std::atomic<uint64_t> applied_messages_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace attnrec::service::cluster

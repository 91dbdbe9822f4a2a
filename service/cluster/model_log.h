// Cluster mode's models: one trainer (`attnrec train --nats`) publishes each
// version it activates, and every node serves the cluster's active version.
//
//   stream ATTNREC_MODELS   a version's checkpoint in chunks of 512 KiB on
//                           subject `attnrec.model.<version>`, in order
//   bucket ATTNREC_REGISTRY `model.<version>`: its registry record with the
//                           checkpoint's size, XXH64, chunk count and first
//                           stream sequence; `active`: the active version
//
// publish() writes the chunks, then the record, then `active`: a node that
// sees a version named active finds its record and every chunk. It then
// purges the chunks of versions older than the one it replaces, so the
// stream keeps the active and the previous version's checkpoints.
//
// Every node (and the trainer, which then holds the cluster's active model
// when it compares a new one against it) watches `active` and hands each
// change to `follow`, retried every 2 s while it fails (a fetch while a
// nats-server restarts); the node serves what it served until then.
//
// Thread safety: publish and fetch may be called from any number of threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/status.h"
#include "service/training/registry.h"

namespace attnrec::storage::nats {
class JetStream;
class KeyValue;
}  // namespace attnrec::storage::nats

namespace attnrec::service::cluster {

inline constexpr std::string_view kModelStream = "ATTNREC_MODELS";
inline constexpr std::string_view kModelSubjects = "attnrec.model.>";
inline constexpr std::string_view kRegistryBucket = "ATTNREC_REGISTRY";

class ModelLog {
 public:
  // Makes the cluster's active version live here; ok once it serves.
  using FollowFn = std::function<Status(const std::string& version)>;

  // Creates or binds to the stream and the bucket (retrying while the
  // JetStream cluster elects leaders). `js` must outlive this object;
  // `node` names this process's consumers.
  static Status open(storage::nats::JetStream& js, int replicas, std::string node,
                     std::unique_ptr<ModelLog>* out);
  ~ModelLog();  // stops the watch
  ModelLog(const ModelLog&) = delete;
  ModelLog& operator=(const ModelLog&) = delete;

  // The cluster's shard count is fixed by the first node or trainer to
  // start (bucket key `shards`); kInvalidArgument, saying both, for a
  // process started with another one (it would view the wrong users).
  Status agree_shards(uint32_t shards);

  // Starts the watch thread.
  void start(FollowFn follow);
  // True once the active version at start was followed (or failed once;
  // the node serves its own last model or popularity meanwhile).
  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }

  // Publishes `checkpoint` as `record.version` and makes it the cluster's
  // active version. kConflict when the cluster already has a version of
  // that name (another trainer); kUnavailable when the stream or the
  // bucket does not take it (the active version is then unchanged).
  Status publish(const ModelRecord& record, const std::string& checkpoint);
  // A published version's record and checkpoint, its size and XXH64
  // checked (the record alone when `checkpoint` is null). kNotFound for a version the cluster does not have,
  // kUnavailable when its chunks cannot be read (purged, or NATS down).
  Status fetch(std::string_view version, ModelRecord* record, std::string* checkpoint);

 private:
  ModelLog(storage::nats::JetStream& js, std::unique_ptr<storage::nats::KeyValue> kv, std::string node);
  void run();

  storage::nats::JetStream& js_;
  std::unique_ptr<storage::nats::KeyValue> kv_;
  const std::string node_;
  FollowFn follow_;
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace attnrec::service::cluster

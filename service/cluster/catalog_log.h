// Cluster mode's catalog: every item's record (the JSON the store keeps;
// empty = deleted) lives in the JetStream key-value bucket ATTNREC_CATALOG,
// key = the item id as lowercase hex (bucket keys allow few characters).
// An upsert on any node puts its records in the bucket; every node watches
// the bucket and applies each change to its own catalog (store, view and
// search index) in revision order, so all nodes converge on the last
// write of every item. The upserting node answers once its own catalog has
// the change (read-your-writes there); the other nodes apply it within
// their watch's lag (docs/scale-out.md states the measured bound).
//
// Thread safety: publish may be called from any number of threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"

namespace attnrec::storage::nats {
class JetStream;
class KeyValue;
}  // namespace attnrec::storage::nats

namespace attnrec::service::cluster {

inline constexpr std::string_view kCatalogBucket = "ATTNREC_CATALOG";

class CatalogLog {
 public:
  using Records = std::span<const std::pair<std::string, std::string>>;  // (item id, record)
  // Applies records to the local catalog (store, view, search).
  using ApplyFn = std::function<Status(Records)>;

  // Binds to (or creates) the bucket. `js` must outlive this object.
  static Status open(storage::nats::JetStream& js, int replicas, std::unique_ptr<CatalogLog>* out);
  ~CatalogLog();  // stops the watch
  CatalogLog(const CatalogLog&) = delete;
  CatalogLog& operator=(const CatalogLog&) = delete;

  // Starts the watch thread, which applies every change with `apply`.
  void start(ApplyFn apply);
  // True once the bucket's contents at start have been applied.
  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }

  // Puts the records in the bucket, then waits (up to 10 s) until this
  // node's watch has applied them. kUnavailable when the bucket does not
  // answer; after a put, a timeout of the wait is ok (the change is in the
  // bucket and will be applied).
  Status publish(Records records);

 private:
  explicit CatalogLog(std::unique_ptr<storage::nats::KeyValue> kv);
  void run();

  std::unique_ptr<storage::nats::KeyValue> kv_;
  ApplyFn apply_;
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable applied_cv_;
  uint64_t applied_revision_ = 0;  // guarded by mu_
  std::thread thread_;
};

}  // namespace attnrec::service::cluster

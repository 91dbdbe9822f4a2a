#include "service/cluster/catalog_log.h"

#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "service/cluster/retry.h"
#include "service/cluster/shards.h"
#include "storage/nats/jetstream.h"

namespace attnrec::service::cluster {

namespace {

constexpr std::chrono::milliseconds kWatchWait{250};
constexpr std::chrono::milliseconds kRetryWait{500};
constexpr std::chrono::milliseconds kApplyWait{10000};

}  // namespace

CatalogLog::CatalogLog(std::unique_ptr<storage::nats::KeyValue> kv) : kv_(std::move(kv)) {}

CatalogLog::~CatalogLog() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

Status CatalogLog::open(storage::nats::JetStream& js, int replicas, std::unique_ptr<CatalogLog>* out) {
  std::unique_ptr<storage::nats::KeyValue> kv;
  // The nodes of a new cluster all create the bucket at once, and a
  // JetStream cluster electing leaders answers late: bind again until the
  // bucket answers, for as long as a node waits for the event stream.
  const Status s = retry_while_starting([&] { return js.key_value(kCatalogBucket, replicas, &kv); });
  if (!s.is_ok()) return s;
  out->reset(new CatalogLog(std::move(kv)));
  return Status::ok();
}

void CatalogLog::start(ApplyFn apply) {
  apply_ = std::move(apply);
  thread_ = std::thread([this] { run(); });
}

Status CatalogLog::publish(Records records) {
  uint64_t last = 0;
  for (const auto& [id, record] : records) {
    uint64_t rev = 0;
    if (Status s = kv_->put(to_hex(id), record, &rev); !s.is_ok()) {
      return Status::unavailable("the catalog bucket did not take the item: " + s.message());
    }
    last = std::max(last, rev);
  }
  std::unique_lock lock(mu_);
  applied_cv_.wait_for(lock, kApplyWait, [&] { return applied_revision_ >= last || stop_.load(); });
  return Status::ok();
}

void CatalogLog::run() {
  std::unique_ptr<storage::nats::KvWatcher> watcher;
  std::vector<std::pair<std::string, std::string>> initial;  // batched until the marker
  uint64_t initial_revision = 0;
  std::string last_error;
  while (!stop_.load()) {
    if (watcher == nullptr) {
      initial.clear();
      if (Status s = kv_->watch_all(&watcher); !s.is_ok()) {
        if (s.message() != last_error) log::warn("cannot watch the catalog bucket; retrying", {{"error", s.message()}});
        last_error = s.message();
        watcher.reset();
        std::this_thread::sleep_for(kRetryWait);
        continue;
      }
    }
    storage::nats::KvEntry e;
    bool got = false;
    bool initial_done = false;
    if (Status s = watcher->next(kWatchWait, &e, &got, &initial_done); !s.is_ok()) {
      // From the start again: every current value is applied once more,
      // which changes nothing already applied.
      if (s.message() != last_error) log::warn("the catalog watch failed; watching anew", {{"error", s.message()}});
      last_error = s.message();
      watcher.reset();
      std::this_thread::sleep_for(kRetryWait);
      continue;
    }
    last_error.clear();
    std::vector<std::pair<std::string, std::string>> batch;
    uint64_t revision = 0;
    if (got) {
      std::string id;
      if (!from_hex(e.key, &id)) {
        log::error("skipping a catalog bucket key that is not an item id", {{"key", e.key}});
        continue;
      }
      // A key deleted from the bucket by hand is a deleted item.
      std::pair<std::string, std::string> record{std::move(id), e.deleted ? std::string() : std::move(e.value)};
      if (!initial_done) {
        initial.push_back(std::move(record));
        initial_revision = std::max(initial_revision, e.revision);
        continue;
      }
      batch.push_back(std::move(record));
      revision = e.revision;
    } else if (initial_done && !initial.empty()) {
      batch.swap(initial);
      revision = initial_revision;
    }
    if (!batch.empty()) {
      // A record the catalog refuses (a bad item) is logged and skipped:
      // no later try could apply it either.
      if (Status s = apply_(batch); !s.is_ok()) {
        log::error("cannot apply a catalog change", {{"error", s.message()}});
      }
      std::lock_guard lock(mu_);
      applied_revision_ = std::max(applied_revision_, revision);
    }
    if (initial_done && !caught_up_.load()) {
      {
        std::lock_guard lock(mu_);
        applied_revision_ = std::max(applied_revision_, initial_revision);
      }
      caught_up_.store(true, std::memory_order_release);
    }
    applied_cv_.notify_all();
  }
  applied_cv_.notify_all();
}

}  // namespace attnrec::service::cluster

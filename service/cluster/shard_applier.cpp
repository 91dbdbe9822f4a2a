#include "service/cluster/shard_applier.h"

#include <chrono>
#include <utility>

#include "base/log.h"
#include "service/cluster/log_codec.h"
#include "service/cluster/shards.h"
#include "storage/nats/jetstream.h"

namespace attnrec::service::cluster {

namespace {

constexpr int kFetchBatch = 256;
// A fetch waits this long for messages when there are none; it bounds how
// long stop() takes.
constexpr std::chrono::milliseconds kFetchWait{250};
// After a failure (no server, the store refusing a write), before the next try.
constexpr std::chrono::milliseconds kRetryWait{200};
constexpr int kFetchFailuresBeforeReopen = 5;

std::string applied_key(uint32_t shard) { return "cluster.applied." + std::to_string(shard); }

}  // namespace

ShardApplier::ShardApplier(storage::nats::JetStream& js, storage::Store& store, std::string node,
                           std::vector<uint32_t> shards, ApplyFn apply, EraseFn erase)
    : js_(js), store_(store), node_(std::move(node)), apply_(std::move(apply)), erase_(std::move(erase)) {
  for (const uint32_t s : shards) shards_.push_back({s, 0, false});
}

ShardApplier::~ShardApplier() {
  stop_.store(true);
  for (std::thread& t : threads_) t.join();
}

Status ShardApplier::start() {
  for (Shard& shard : shards_) {
    std::string value;
    const Status s = store_.get_meta(applied_key(shard.id), &value);
    if (s.is_not_found()) continue;
    if (!s.is_ok()) return s;
    try {
      shard.applied = std::stoull(value);
    } catch (const std::exception&) {
      return Status::corruption("store meta " + applied_key(shard.id) + " is not a sequence: '" +
                                value + "'");
    }
  }
  pending_shards_.store(shards_.size());
  for (Shard& shard : shards_) threads_.emplace_back([this, &shard] { run(&shard); });
  return Status::ok();
}

Status ShardApplier::apply_batch(Shard* shard, std::vector<std::string_view> payloads,
                                 uint64_t last_seq) {
  std::vector<storage::Event> events;
  auto flush = [&]() -> Status {
    if (events.empty()) return Status::ok();
    Status s = apply_(std::move(events));
    events.clear();
    return s;
  };
  for (const std::string_view payload : payloads) {
    LogRecord record;
    if (Status s = decode_record(payload, &record); !s.is_ok()) {
      // Skipped, not retried: no later attempt can read it either.
      log::error("skipping a message of the event stream",
                 {{"shard", uint64_t{shard->id}}, {"error", s.message()}});
      continue;
    }
    if (record.erase) {
      if (Status s = flush(); !s.is_ok()) return s;
      if (Status s = erase_(record.user); !s.is_ok() && !s.is_not_found()) return s;
      continue;
    }
    for (storage::Event& e : record.events) events.push_back(std::move(e));
  }
  if (Status s = flush(); !s.is_ok()) return s;
  if (Status s = store_.set_meta(applied_key(shard->id), std::to_string(last_seq)); !s.is_ok()) {
    return s;
  }
  shard->applied = last_seq;
  applied_messages_.fetch_add(payloads.size(), std::memory_order_relaxed);
  return Status::ok();
}

void ShardApplier::run(Shard* shard) {
  const std::string durable = node_ + "-s" + std::to_string(shard->id);
  std::unique_ptr<storage::nats::Consumer> consumer;
  std::string last_error;  // logged once per distinct failure, not per retry
  int fetch_failures = 0;  // in a row
  auto failed = [&](std::string_view what, const Status& s) {
    if (s.message() != last_error) {
      log::warn(what, {{"shard", uint64_t{shard->id}}, {"error", s.message()}});
      last_error = s.message();
    }
    std::this_thread::sleep_for(kRetryWait);
  };
  while (!stop_.load()) {
    if (consumer == nullptr) {
      // Anew from the store's position: the server's one may be ahead of
      // what this store holds (a new data directory) or behind it.
      storage::nats::ConsumerOptions o;
      o.stream = std::string(kEventStream);
      o.durable = durable;
      o.filter_subject = shard_subject(shard->id);
      o.start_seq = shard->applied + 1;
      o.ack_all = true;
      Status s = js_.delete_consumer(o.stream, durable);
      if (s.is_ok()) s = js_.pull_consumer(o, &consumer);
      if (!s.is_ok()) {
        consumer.reset();
        failed("cannot open the shard's consumer; retrying", s);
        continue;
      }
    }
    std::vector<storage::nats::Message> messages;
    if (Status s = consumer->fetch(kFetchBatch, kFetchWait, &messages); !s.is_ok()) {
      // A consumer whose server went away may not come back by itself:
      // after a few failures it is made anew.
      if (++fetch_failures >= kFetchFailuresBeforeReopen) {
        consumer.reset();
        fetch_failures = 0;
      }
      failed("cannot read the shard from the event stream; retrying", s);
      continue;
    }
    fetch_failures = 0;
    std::vector<std::string_view> payloads;
    uint64_t last_seq = shard->applied;
    for (const auto& m : messages) {
      if (m.stream_seq() <= shard->applied) continue;  // handed over again
      payloads.push_back(m.payload());
      last_seq = m.stream_seq();
    }
    if (!payloads.empty()) {
      if (Status s = apply_batch(shard, std::move(payloads), last_seq); !s.is_ok()) {
        consumer.reset();  // from the applied sequence again, after a pause
        failed("cannot apply the shard's events to the store; retrying", s);
        continue;
      }
    }
    if (!messages.empty()) {
      // All earlier messages with it (ack_all); a lost ack only costs a
      // redelivery, which the sequence check above skips.
      (void)messages.back().ack();
    }
    last_error.clear();
    if (!shard->caught_up && messages.size() < static_cast<size_t>(kFetchBatch)) {
      shard->caught_up = true;
      pending_shards_.fetch_sub(1, std::memory_order_release);
    }
  }
}

}  // namespace attnrec::service::cluster

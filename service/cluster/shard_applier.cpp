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
constexpr int kEmptyFetchesBeforeCheck = 4;  // a second of kFetchWait
constexpr std::chrono::milliseconds kConsumerInactive{30000};

std::string applied_key(uint32_t shard) { return "cluster.applied." + std::to_string(shard); }

}  // namespace

ShardApplier::ShardApplier(storage::nats::JetStream& js, storage::Store& store, std::string node,
                           std::vector<uint32_t> shards, ApplyFn apply, EraseFn erase)
    : js_(js),
      store_(store),
      node_(std::move(node)),
      nonce_(random_token()),
      apply_(std::move(apply)),
      erase_(std::move(erase)) {
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
  // A new consumer name for every consumer made: one lost with its server
  // cannot be deleted, and one left by an earlier process must not be bound
  // to; the server drops both once unused (kConsumerInactive).
  const std::string prefix = node_ + "-s" + std::to_string(shard->id) + "-" + nonce_ + "-";
  uint64_t generation = 0;
  std::unique_ptr<storage::nats::Consumer> consumer;
  std::string last_error;  // logged once per distinct failure, not per retry
  int fetch_failures = 0;  // in a row
  int empty_fetches = 0;   // in a row
  std::string durable;
  uint64_t next_delivery = 1;  // the consumer sequence the next message must have
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
      o.durable = prefix + std::to_string(++generation);
      durable = o.durable;
      next_delivery = 1;
      o.filter_subject = shard_subject(shard->id);
      o.start_seq = shard->applied + 1;
      o.ack_all = true;
      // The store holds the position: a consumer lost with its server is
      // made anew (below), so it needs no replicas of its own.
      o.ephemeral_state = true;
      o.inactive_after = kConsumerInactive;
      if (Status s = js_.pull_consumer(o, &consumer); !s.is_ok()) {
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
    // Nothing for a while: the consumer may be gone with its server's
    // restart, and fetching from a consumer that is gone only times out.
    if (messages.empty() && ++empty_fetches >= kEmptyFetchesBeforeCheck) {
      empty_fetches = 0;
      if (js_.check_consumer(kEventStream, durable).is_not_found()) {
        consumer.reset();
        continue;
      }
    }
    if (!messages.empty()) empty_fetches = 0;
    std::vector<std::string_view> payloads;
    uint64_t last_seq = shard->applied;
    bool gap = false;
    for (const auto& m : messages) {
      // Deliveries lost on the way (the server counts them delivered; with
      // ack_all a later ack would skip them): apply what came in order,
      // then a new consumer from there, as NATS's ordered consumers do.
      if (m.consumer_seq() != next_delivery) {
        gap = true;
        break;
      }
      ++next_delivery;
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
    if (gap) {
      log::info("a delivery gap in the shard's consumer; making it anew",
                {{"shard", uint64_t{shard->id}}, {"applied", shard->applied}});
      consumer.reset();
      continue;
    }
    if (!messages.empty()) {
      // All earlier messages with it (ack_all); a lost ack only costs a
      // redelivery, which the sequence check above skips.
      (void)messages.back().ack_nowait();
    }
    last_error.clear();
    if (!shard->caught_up && messages.size() < static_cast<size_t>(kFetchBatch)) {
      shard->caught_up = true;
      pending_shards_.fetch_sub(1, std::memory_order_release);
    }
  }
}

}  // namespace attnrec::service::cluster

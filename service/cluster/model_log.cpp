#include "service/cluster/model_log.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <boost/json.hpp>

#include "base/log.h"
#include "service/cluster/event_log.h"
#include "service/cluster/retry.h"
#include "service/cluster/shards.h"
#include "service/json_codec.h"
#include "service/validate.h"
#include "storage/nats/jetstream.h"

namespace attnrec::service::cluster {

namespace json = boost::json;

namespace {

// Below nats-server's default largest message (1 MiB).
constexpr size_t kChunkBytes = 512 * 1024;
constexpr std::string_view kActiveKey = "active";
constexpr std::chrono::milliseconds kWatchWait{250};
constexpr std::chrono::milliseconds kRetryWait{2000};
constexpr std::chrono::milliseconds kFetchWait{1000};
// A fetch that gets nothing for this long gives up (the chunks are gone).
constexpr std::chrono::milliseconds kFetchPatience{20000};
constexpr std::chrono::milliseconds kConsumerInactive{30000};

std::string record_key(std::string_view version) { return "model." + std::string(version); }
std::string chunk_subject(std::string_view version) { return "attnrec.model." + std::string(version); }

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// What the bucket holds under model.<version>.
struct Published {
  ModelRecord record;
  uint64_t size = 0;
  std::string xxh64;
  uint64_t chunks = 0;
  uint64_t first_seq = 0;
};

std::string encode_published(const Published& p) {
  json::object o{{"record", json::parse(encode_model_record(p.record))},
                 {"size", p.size},
                 {"xxh64", p.xxh64},
                 {"chunks", p.chunks},
                 {"first_seq", p.first_seq}};
  return serialize_json(o);
}

Status decode_published(std::string_view version, std::string_view text, Published* p) {
  const Status corrupt = Status::corruption("the cluster's record of model " + service::quoted(version) + " is corrupt");
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return corrupt;
  const json::object& o = v.get_object();
  const auto* record = o.if_contains("record");
  const auto* xxh = o.if_contains("xxh64");
  if (!record || !xxh || !xxh->is_string()) return corrupt;
  if (Status s = decode_model_record(version, serialize_json(*record), &p->record); !s.is_ok()) return s;
  auto count = [&](std::string_view k, uint64_t* out) {
    const auto* x = o.if_contains(k);
    if (!x || !x->is_number()) return false;
    *out = x->to_number<uint64_t>();
    return true;
  };
  if (!count("size", &p->size) || !count("chunks", &p->chunks) || !count("first_seq", &p->first_seq)) {
    return corrupt;
  }
  p->xxh64 = std::string(xxh->get_string());
  return p->record.version == version ? Status::ok() : corrupt;
}

}  // namespace

ModelLog::ModelLog(storage::nats::JetStream& js, std::unique_ptr<storage::nats::KeyValue> kv, std::string node)
    : js_(js), kv_(std::move(kv)), node_(std::move(node)) {}

ModelLog::~ModelLog() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

Status ModelLog::open(storage::nats::JetStream& js, int replicas, std::string node,
                      std::unique_ptr<ModelLog>* out) {
  const std::vector<std::string> subjects{std::string(kModelSubjects)};
  std::unique_ptr<storage::nats::KeyValue> kv;
  // As the event stream and the catalog bucket: a new cluster's servers
  // answer late while they elect leaders.
  const Status s = retry_while_starting([&] {
    Status st = js.ensure_stream(kModelStream, subjects, replicas);
    return st.is_ok() ? js.key_value(kRegistryBucket, replicas, &kv) : st;
  });
  if (!s.is_ok()) return s;
  out->reset(new ModelLog(js, std::move(kv), std::move(node)));
  return Status::ok();
}

Status ModelLog::agree_shards(uint32_t shards) {
  std::string value;
  // A bucket just made answers late while its replicas elect a leader.
  const Status s = retry_while_starting([&] {
    Status st = kv_->get("shards", &value);
    if (st.is_not_found()) {
      value = std::to_string(shards);
      st = kv_->put("shards", value, nullptr);
    }
    return st;
  });
  if (!s.is_ok()) return Status::unavailable("the model registry bucket does not answer: " + s.message());
  if (value != std::to_string(shards)) {
    return Status::invalid_argument("cluster: --shards is " + std::to_string(shards) +
                                    ", but the cluster was created with " + value + " shards");
  }
  return Status::ok();
}

void ModelLog::start(FollowFn follow) {
  follow_ = std::move(follow);
  thread_ = std::thread([this] { run(); });
}

Status ModelLog::publish(const ModelRecord& record, const std::string& checkpoint) {
  const std::string& version = record.version;
  std::string existing;
  if (Status s = kv_->get(record_key(version), &existing); s.is_ok()) {
    return Status::conflict("the cluster already has a model " + service::quoted(version) +
                            " (is another trainer running?); nothing was published");
  } else if (!s.is_not_found()) {
    return Status::unavailable("the model registry bucket does not answer: " + s.message());
  }
  // What this version replaces: its chunks and older ones go once this one
  // is active, the replaced one's stay (the previous version).
  uint64_t keep_from = 0;
  std::string active;
  if (kv_->get(std::string(kActiveKey), &active).is_ok() && !active.empty()) {
    std::string text;
    Published prev;
    if (kv_->get(record_key(active), &text).is_ok() && decode_published(active, text, &prev).is_ok()) {
      keep_from = prev.first_seq;
    }
  }

  const auto start = std::chrono::steady_clock::now();
  Published p;
  p.record = record;
  p.size = checkpoint.size();
  p.xxh64 = hex64(XXH64(checkpoint.data(), checkpoint.size(), 0));
  p.chunks = std::max<uint64_t>(1, (checkpoint.size() + kChunkBytes - 1) / kChunkBytes);
  // Chunks of an earlier, failed try of this version would interleave.
  if (Status s = js_.purge(kModelStream, chunk_subject(version)); !s.is_ok()) {
    return Status::unavailable("the model stream does not answer: " + s.message());
  }
  for (uint64_t i = 0; i < p.chunks; ++i) {
    const std::string_view chunk =
        std::string_view(checkpoint).substr(std::min(checkpoint.size(), i * kChunkBytes), kChunkBytes);
    storage::nats::PubAck ack;
    const std::string msg_id = version + "." + std::to_string(i) + "." + p.xxh64;
    if (Status s = publish_patiently(js_, chunk_subject(version), msg_id, chunk, &ack); !s.is_ok()) {
      return Status::unavailable("the model stream did not take model " + service::quoted(version) + ": " + s.message());
    }
    if (i == 0) p.first_seq = ack.stream_seq;
  }
  if (Status s = kv_->put(record_key(version), encode_published(p), nullptr); !s.is_ok()) {
    return Status::unavailable("the model registry bucket did not take model " + service::quoted(version) + ": " +
                               s.message());
  }
  if (Status s = kv_->put(std::string(kActiveKey), version, nullptr); !s.is_ok()) {
    return Status::unavailable("the model registry bucket did not make " + service::quoted(version) + " active: " +
                               s.message());
  }
  log::info("published the cluster's active model",
            {{"version", version}, {"bytes", p.size}, {"chunks", p.chunks},
             {"ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count()}});
  if (keep_from > 0) {
    // Only space: a failure leaves older checkpoints in the stream.
    if (Status s = js_.purge(kModelStream, std::string(kModelSubjects), keep_from); !s.is_ok()) {
      log::warn("cannot purge old model checkpoints from the stream", {{"error", s.message()}});
    }
  }
  return Status::ok();
}

Status ModelLog::fetch(std::string_view version, ModelRecord* record, std::string* checkpoint) {
  std::string text;
  if (Status s = kv_->get(record_key(version), &text); !s.is_ok()) {
    if (s.is_not_found()) return Status::not_found("the cluster has no model " + service::quoted(version));
    return Status::unavailable("the model registry bucket does not answer: " + s.message());
  }
  Published p;
  if (Status s = decode_published(version, text, &p); !s.is_ok()) return s;
  if (checkpoint == nullptr) {
    *record = std::move(p.record);
    return Status::ok();
  }

  storage::nats::ConsumerOptions o;
  o.stream = std::string(kModelStream);
  o.durable = node_ + "-m-" + random_token();
  o.filter_subject = chunk_subject(version);
  o.start_seq = p.first_seq;
  o.ack_all = true;
  o.ephemeral_state = true;  // read once; the server drops it when idle
  o.inactive_after = kConsumerInactive;
  std::unique_ptr<storage::nats::Consumer> consumer;
  if (Status s = js_.pull_consumer(o, &consumer); !s.is_ok()) {
    return Status::unavailable("cannot read model " + service::quoted(version) + " from the stream: " + s.message());
  }
  checkpoint->clear();
  checkpoint->reserve(p.size);
  uint64_t got = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (got < p.chunks) {
    std::vector<storage::nats::Message> batch;
    if (Status s = consumer->fetch(static_cast<int>(std::min<uint64_t>(16, p.chunks - got)), kFetchWait, &batch);
        !s.is_ok()) {
      return Status::unavailable("cannot read model " + service::quoted(version) + " from the stream: " + s.message());
    }
    if (batch.empty()) {
      if (std::chrono::steady_clock::now() - last_progress > kFetchPatience) {
        return Status::unavailable("model " + service::quoted(version) + ": " + std::to_string(p.chunks - got) + " of " +
                                   std::to_string(p.chunks) + " chunks are not in the stream (purged?)");
      }
      continue;
    }
    last_progress = std::chrono::steady_clock::now();
    for (const storage::nats::Message& m : batch) {
      if (got < p.chunks) checkpoint->append(m.payload());
      ++got;
    }
    (void)batch.back().ack_nowait();
  }
  if (checkpoint->size() != p.size || hex64(XXH64(checkpoint->data(), checkpoint->size(), 0)) != p.xxh64) {
    return Status::corruption("model " + service::quoted(version) + " read from the stream does not match its record (" +
                              std::to_string(checkpoint->size()) + " bytes, " + std::to_string(p.size) +
                              " recorded)");
  }
  *record = std::move(p.record);
  return Status::ok();
}

void ModelLog::run() {
  std::unique_ptr<storage::nats::KvWatcher> watcher;
  std::string wanted;       // the cluster's active version as last seen
  std::string followed;     // what follow_ last made live
  bool initial_seen = false;
  auto next_try = std::chrono::steady_clock::now();
  std::string last_error;
  while (!stop_.load()) {
    if (watcher == nullptr) {
      if (Status s = kv_->watch_all(&watcher); !s.is_ok()) {
        watcher.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
    }
    storage::nats::KvEntry e;
    bool got = false;
    bool initial_done = false;
    if (Status s = watcher->next(kWatchWait, &e, &got, &initial_done); !s.is_ok()) {
      watcher.reset();  // from the start again: `active` comes again
      continue;
    }
    if (got && e.key == kActiveKey && !e.deleted) wanted = e.value;
    if (initial_done) initial_seen = true;
    if (!initial_seen) continue;
    if (wanted != followed && std::chrono::steady_clock::now() >= next_try) {
      const auto start = std::chrono::steady_clock::now();
      if (Status s = follow_(wanted); s.is_ok()) {
        log::info("serving the cluster's model",
                  {{"version", wanted},
                   {"ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count()}});
        followed = wanted;
        last_error.clear();
      } else {
        if (s.message() != last_error) {
          log::warn("cannot serve the cluster's active model yet; retrying",
                    {{"version", wanted}, {"error", s.message()}});
        }
        last_error = s.message();
        next_try = std::chrono::steady_clock::now() + kRetryWait;
      }
    }
    if (!caught_up_.load()) caught_up_.store(true, std::memory_order_release);
  }
}

}  // namespace attnrec::service::cluster

#include "service/cluster/event_log.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <xxhash.h>

#include "service/cluster/log_codec.h"
#include "service/cluster/retry.h"
#include "service/cluster/shards.h"
#include "storage/nats/jetstream.h"

namespace attnrec::service::cluster {

namespace {

// How long a publish is retried while the stream has no leader (a
// nats-server died and the others elect one: a few seconds) before the
// request is answered 503; and the wait for each PubAck.
constexpr std::chrono::milliseconds kPublishPatience{10000};
constexpr std::chrono::milliseconds kPubAckWait{2000};
// Publishes wait on the network, not the CPU: more threads than cores.
constexpr int kPublishThreads = 32;

// The message id of one user's events: the event's own id for one, a hash
// of the ids (with their count) for more.
std::string message_id(std::span<const storage::Event> events) {
  if (events.size() == 1) return events[0].id;
  XXH64_state_t* st = XXH64_createState();
  XXH64_reset(st, 0);
  for (const storage::Event& e : events) {
    XXH64_update(st, e.id.data(), e.id.size());
    XXH64_update(st, "", 1);  // a separator no id contains at its end
  }
  const uint64_t h = XXH64_digest(st);
  XXH64_freeState(st);
  char buf[48];
  std::snprintf(buf, sizeof buf, "~g%016llx.%zu", static_cast<unsigned long long>(h), events.size());
  return buf;
}

int default_replicas(const ClusterConfig& c) {
  return c.replicas > 0 ? c.replicas : std::min<int>(3, static_cast<int>(c.nats.size()));
}

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

}  // namespace

Status check_config(const ClusterConfig& c) {
  if (c.nodes.empty()) return Status::invalid_argument("cluster: --nodes names no node");
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    if (!valid_name(c.nodes[i])) {
      return Status::invalid_argument("cluster: node name '" + c.nodes[i] +
                                      "' is not 1-64 characters of [A-Za-z0-9_-]");
    }
    if (std::find(c.nodes.begin(), c.nodes.begin() + i, c.nodes[i]) != c.nodes.begin() + i) {
      return Status::invalid_argument("cluster: node '" + c.nodes[i] + "' is named twice in --nodes");
    }
  }
  if (std::find(c.nodes.begin(), c.nodes.end(), c.node) == c.nodes.end()) {
    return Status::invalid_argument("cluster: --node '" + c.node + "' is not one of --nodes");
  }
  if (c.shards < c.nodes.size() || c.shards > 4096) {
    return Status::invalid_argument("cluster: --shards must be between the number of nodes (" +
                                    std::to_string(c.nodes.size()) + ") and 4096, got " +
                                    std::to_string(c.shards));
  }
  if (c.replicas < 0 || c.replicas > 5) {
    return Status::invalid_argument("cluster: --nats-replicas must be 0 (automatic) to 5");
  }
  return Status::ok();
}

EventLog::EventLog(const ClusterConfig& config, std::unique_ptr<storage::nats::JetStream> js)
    : config_(config),
      js_(std::move(js)),
      pool_(std::make_unique<boost::asio::thread_pool>(kPublishThreads)),
      id_prefix_("~" + random_token() + ".") {}

EventLog::~EventLog() {
  pool_->join();  // every queued append finishes and calls its done
}

Status EventLog::open(const ClusterConfig& config, std::unique_ptr<EventLog>* out) {
  if (Status s = check_config(config); !s.is_ok()) return s;
  storage::nats::ConnectOptions options;
  options.name = "attnrec " + config.node;
  options.max_reconnect = -1;  // a node outlives any one server's restart
  std::unique_ptr<storage::nats::JetStream> js;
  if (Status s = storage::nats::JetStream::connect(config.nats, options, &js); !s.is_ok()) return s;
  const std::vector<std::string> subjects{std::string(kEventSubjects)};
  // A JetStream cluster electing its leaders (a server just restarted, or
  // all of them starting) answers stream requests late or not at all for a
  // while: wait that out rather than fail the node's start.
  const Status s = retry_for(
      kStartPatience,
      [&] { return js->ensure_stream(kEventStream, subjects, default_replicas(config)); },
      [](const Status& st) { return st.code() == Status::Code::kUnavailable; },
      [](int) { return std::chrono::milliseconds(500); });
  if (!s.is_ok()) return s;
  out->reset(new EventLog(config, std::move(js)));
  return Status::ok();
}

int EventLog::replicas() const { return default_replicas(config_); }

Status publish_patiently(storage::nats::JetStream& js, std::string_view subject, std::string_view msg_id,
                         std::string_view payload, storage::nats::PubAck* ack) {
  // kNotFound is "no responders": during a leader election the stream
  // answers nobody. Both it and a timeout are worth the same msg_id again.
  return retry_for(
      kPublishPatience, [&] { return js.publish(subject, msg_id, payload, kPubAckWait, ack); },
      [](const Status& st) { return st.code() == Status::Code::kUnavailable || st.is_not_found(); },
      [](int n) { return std::chrono::milliseconds(std::min(50 * (n + 1), 500)); });
}

Status EventLog::publish(const std::string& subject, const std::string& msg_id,
                         const std::string& payload, uint64_t* seq, bool* duplicate) {
  storage::nats::PubAck ack;
  const Status s = publish_patiently(*js_, subject, msg_id, payload, &ack);
  if (!s.is_ok()) return Status::unavailable("the event log did not take the events: " + s.message());
  *seq = ack.stream_seq;
  *duplicate = ack.duplicate;
  return s;
}

Status EventLog::append(std::vector<storage::Event> events, AppendResult* result) {
  *result = {};
  for (storage::Event& e : events) {
    if (e.id.empty()) e.id = id_prefix_ + std::to_string(next_id_.fetch_add(1));
  }
  // One message per user; the stable sort keeps each user's events in
  // request order.
  std::stable_sort(events.begin(), events.end(),
                   [](const storage::Event& a, const storage::Event& b) { return a.user < b.user; });
  for (size_t begin = 0; begin < events.size();) {
    size_t end = begin + 1;
    while (end < events.size() && events[end].user == events[begin].user) ++end;
    const std::span<const storage::Event> group(events.data() + begin, end - begin);
    const std::string& user = events[begin].user;
    uint64_t seq = 0;
    bool duplicate = false;
    if (Status s = publish(user_subject(user, config_.shards), message_id(group),
                           encode_events(user, group), &seq, &duplicate);
        !s.is_ok()) {
      return s;
    }
    (duplicate ? result->duplicates : result->accepted) += group.size();
    result->last_seq = std::max(result->last_seq, seq);
    begin = end;
  }
  return Status::ok();
}

void EventLog::append_async(std::vector<storage::Event> events, AppendDone done) {
  boost::asio::post(*pool_, [this, events = std::move(events), done = std::move(done)]() mutable {
    AppendResult result;
    Status s;
    try {
      s = append(std::move(events), &result);
    } catch (const std::exception& e) {  // bad_alloc: the request fails, the pool goes on
      s = Status::internal(std::string("append to the event log: ") + e.what());
    }
    done(std::move(s), result);
  });
}

Status EventLog::erase(std::string_view user) {
  const std::string subject = user_subject(user, config_.shards);
  uint64_t seq = 0;
  bool duplicate = false;
  const std::string msg_id = id_prefix_ + "erase." + std::to_string(next_id_.fetch_add(1));
  if (Status s = publish(subject, msg_id, encode_erase(user), &seq, &duplicate); !s.is_ok()) return s;
  // Below the erasure's sequence only: an event ingested after it stays.
  if (Status s = js_->purge(kEventStream, subject, seq); !s.is_ok()) {
    return Status::unavailable("the user's erasure is in the event log but its events were not "
                               "purged (repeat the request): " + s.message());
  }
  return Status::ok();
}

}  // namespace attnrec::service::cluster

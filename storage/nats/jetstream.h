// attnrec's seam to NATS JetStream, the replicated log of cluster mode
// (issue #15): a connection with its JetStream context, streams created or
// updated to a given subject list, publishes that return only once the
// stream has stored the message (its PubAck), durable pull consumers with
// explicit acks, and purges by subject. Nothing else of NATS is offered.
//
// The implementation is the NATS C client (nats.c 3.4, Debian libnats-dev);
// no nats.c type or header is reachable from here. Every failure is an
// attnrec::Status (base/status.h) whose message names the operation and
// carries the client's or the server's own text:
//   kUnavailable      no server reachable, JetStream not enabled, the
//                     connection lost, or no answer within the timeout;
//   kNotFound         no stream (or consumer) of that name, or no stream
//                     takes the subject published to;
//   kInvalidArgument  a request the server refused as given (a bad name,
//                     subjects overlapping another stream, more replicas
//                     than the cluster has);
//   kTooLarge         a payload over the server's max_payload.
//
// Streams are file-backed (JetStream file storage): a message whose publish
// returned ok survives the server process's crash and restart on the same
// store directory. A consumer's acks survive a clean restart, but the
// server writes them to disk shortly after confirming them, so after a
// crash it may deliver again messages acked just before: consumers are at
// least once and must skip what they have applied (by stream sequence).
// Against power loss a single server is weaker still: it hands writes to
// the OS and syncs its files every two minutes (nats-server's default);
// replicas > 1 is the answer there.
//
// Thread safety: a JetStream is safe to use from any number of threads
// (nats.c's connection and synchronous JetStream calls are). A Consumer is
// used by one thread at a time; its Messages may be acked from any thread.
// Lifetimes: a Consumer borrows its JetStream and a Message its Consumer:
// destroy each before what it borrows.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace attnrec::storage::nats {

struct ConnectOptions {
  std::string name = "attnrec";                        // client name the server lists
  std::chrono::milliseconds connect_timeout{2000};     // per server tried
  // Stream, consumer and purge requests (publish and fetch take their own).
  std::chrono::milliseconds api_timeout{5000};
  // After a lost connection, nats.c reconnects in the background, trying
  // every server `max_reconnect` times (-1: forever) `reconnect_wait` apart;
  // calls in the meantime fail kUnavailable or time out.
  int max_reconnect = 60;
  std::chrono::milliseconds reconnect_wait{250};
};

// What JetStream answered to a publish.
struct PubAck {
  uint64_t stream_seq = 0;  // the message's sequence in its stream (from 1)
  // True when the stream had already stored a message with this msg_id
  // within its duplicate window; stream_seq is then that message's.
  bool duplicate = false;
};

// A message delivered by a pull consumer. Move-only; it holds the client's
// message until destroyed.
class Message {
 public:
  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;
  ~Message();

  uint64_t stream_seq() const;      // sequence in the stream (from 1)
  uint64_t delivery_count() const;  // 1 on first delivery, 2 on the first redelivery ...
  // The consumer's own count of its deliveries (from 1 for a new consumer):
  // a gap means deliveries that never reached this client (a fetch that
  // ended as they came), which a consumer acking all below a message would
  // otherwise skip for good.
  uint64_t consumer_seq() const;
  std::string_view subject() const; // views valid as long as this Message
  std::string_view payload() const;

  // Acknowledges the message and waits for the server to confirm, so an ok
  // means the consumer will not deliver it again (unless the server
  // crashes before writing the ack out: see the top of this file). A
  // message not acked within the consumer's ack_wait is delivered again.
  // Acking again is ok and sends nothing.
  Status ack(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  // Sends the ack without waiting for the server: no round trip, but a lost
  // one means a redelivery (for a consumer that skips what it has applied).
  Status ack_nowait();

  struct Rep;  // the client's message; defined in jetstream.cpp

 private:
  friend class Consumer;
  explicit Message(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

struct ConsumerOptions {
  std::string stream;          // the stream consumed (must exist)
  std::string durable;         // consumer name, kept by the server (no '.', '*', '>')
  std::string filter_subject;  // the subjects delivered, e.g. "events.>" (non-empty)
  // How long a delivered message may stay unacked before it is delivered again.
  std::chrono::milliseconds ack_wait{30000};
  // Where a new consumer starts: 0 = the stream's first message, else this
  // stream sequence (a consumer that keeps its position elsewhere, such as
  // a node's applied sequence in its store). An existing consumer's start
  // cannot be changed: make one under a new name.
  uint64_t start_seq = 0;
  // True: acking a message acks every earlier one too (ack the last of a
  // batch, one round trip); false: each message is acked on its own.
  bool ack_all = false;
  // True: one replica held in memory, whatever the stream's replicas: cheap
  // (no consensus per delivery and ack) but lost with its server. For a
  // consumer that keeps its position elsewhere and makes the consumer anew
  // from it (start_seq) when it fails.
  bool ephemeral_state = false;
  // The server deletes the consumer once no one has fetched from it for this
  // long (0 = never): what a process that names its consumers afresh at
  // every start leaves behind goes by itself.
  std::chrono::milliseconds inactive_after{0};
};

// A durable pull consumer: the server keeps its position and the acks, so a
// Consumer opened again under the same name (by this process or another)
// goes on where the last one stopped.
class Consumer {
 public:
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Up to `batch` (>= 1) messages in stream order, appended to `out`,
  // waiting at most `timeout` for them; it may return fewer as soon as the
  // server has no more. None arriving within the timeout is ok with
  // nothing appended.
  Status fetch(int batch, std::chrono::milliseconds timeout, std::vector<Message>* out);

  struct Rep;

 private:
  friend class JetStream;
  explicit Consumer(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// One change of a key-value bucket, as a watcher sees it.
struct KvEntry {
  std::string key;
  std::string value;      // empty for a deleted key
  uint64_t revision = 0;  // the bucket's sequence of this change (from 1)
  bool deleted = false;
};

// Every key of a bucket, then each change as it happens, in revision order.
class KvWatcher {
 public:
  ~KvWatcher();
  KvWatcher(const KvWatcher&) = delete;
  KvWatcher& operator=(const KvWatcher&) = delete;

  // The next change within `timeout`: *got true with *entry filled; *got
  // false with ok when none came. *initial_done turns true (once, with *got
  // false) when the bucket's contents at the start have all been given.
  Status next(std::chrono::milliseconds timeout, KvEntry* entry, bool* got, bool* initial_done);

  struct Rep;

 private:
  friend class KeyValue;
  explicit KvWatcher(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// A JetStream key-value bucket (one value per key, its last), replicated as
// its stream. Keys are 1+ characters of [-/_=.a-zA-Z0-9]. Thread safety: as
// JetStream; a KvWatcher is used by one thread at a time.
class KeyValue {
 public:
  ~KeyValue();
  KeyValue(const KeyValue&) = delete;
  KeyValue& operator=(const KeyValue&) = delete;

  // Stores `value` under `key` once a quorum of the replicas has it;
  // *revision (when not null) is the change's revision.
  Status put(std::string_view key, std::string_view value, uint64_t* revision);
  // kNotFound for a key never put or deleted.
  Status get(std::string_view key, std::string* value) const;
  Status watch_all(std::unique_ptr<KvWatcher>* out);

  struct Rep;

 private:
  friend class JetStream;
  explicit KeyValue(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

class JetStream {
 public:
  // Connects to the first reachable server of `urls` (e.g.
  // "nats://127.0.0.1:4222"; the others are kept for reconnects) and checks
  // that it has JetStream enabled. kInvalidArgument for no URL,
  // kUnavailable (saying which) when no server answers or JetStream is off.
  static Status connect(std::span<const std::string> urls, const ConnectOptions& options,
                        std::unique_ptr<JetStream>* out);
  // Closes the connection. Precondition: no Consumer of it alive.
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  // Creates the file-backed stream `name` taking `subjects`, kept on
  // `replicas` servers, or updates an existing one to these subjects and
  // replicas. Messages are kept until purged; a msg_id is remembered for
  // JetStream's default duplicate window (2 minutes).
  Status ensure_stream(std::string_view name, std::span<const std::string> subjects,
                       int replicas);

  // Publishes `payload` on `subject` and waits up to `timeout` for the
  // stream's PubAck. A non-empty `msg_id` goes in the Nats-Msg-Id header:
  // publishing it again within the duplicate window stores nothing and
  // answers duplicate (so a publish that timed out can be retried safely).
  // A timeout is kUnavailable: the message may or may not be stored.
  Status publish(std::string_view subject, std::string_view msg_id, std::string_view payload,
                 std::chrono::milliseconds timeout, PubAck* ack);

  // Binds to the key-value bucket `bucket`, creating it (file storage,
  // `replicas`, one value kept per key) when there is none. Precondition:
  // the KeyValue goes before this JetStream.
  Status key_value(std::string_view bucket, int replicas, std::unique_ptr<KeyValue>* out);

  // Creates the durable pull consumer, or updates it to `options` (its
  // position and pending acks are kept), and binds to it.
  Status pull_consumer(const ConsumerOptions& options, std::unique_ptr<Consumer>* out);

  // Ok when the durable consumer exists, kNotFound when it does not (a
  // consumer with one in-memory replica is gone once its server restarts,
  // and fetching from it then only times out).
  Status check_consumer(std::string_view stream, std::string_view durable);

  // Removes from `stream` every message whose subject matches `subject`
  // (wildcards allowed), and only those; with `before_seq` > 0 only those
  // with a stream sequence below it (later ones stay).
  Status purge(std::string_view stream, std::string_view subject, uint64_t before_seq = 0);

  struct Rep;

 private:
  explicit JetStream(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace attnrec::storage::nats

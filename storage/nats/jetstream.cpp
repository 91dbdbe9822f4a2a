#include "storage/nats/jetstream.h"

#include <cassert>
#include <climits>
#include <string>
#include <utility>

#include "storage/nats/handles.h"
#include "storage/nats/nats_status.h"

namespace attnrec::storage::nats {

namespace {

std::string quoted(std::string_view s) {
  std::string q = "\"";
  q.append(s).push_back('"');
  return q;
}

int64_t to_ms(std::chrono::milliseconds d) { return static_cast<int64_t>(d.count()); }
int64_t to_ns(std::chrono::milliseconds d) {
  return static_cast<int64_t>(std::chrono::nanoseconds(d).count());
}

std::string joined(std::span<const std::string> urls) {
  std::string s;
  for (const std::string& u : urls) {
    if (!s.empty()) s.append(", ");
    s.append(u);
  }
  return s;
}

}  // namespace

// --- Message ---------------------------------------------------------------

struct Message::Rep {
  MsgPtr msg;
  uint64_t stream_seq = 0;
  uint64_t consumer_seq = 0;
  uint64_t delivery_count = 0;
};

Message::Message(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Message::Message(Message&&) noexcept = default;
Message& Message::operator=(Message&&) noexcept = default;
Message::~Message() = default;

uint64_t Message::stream_seq() const { return rep_->stream_seq; }
uint64_t Message::delivery_count() const { return rep_->delivery_count; }
uint64_t Message::consumer_seq() const { return rep_->consumer_seq; }

std::string_view Message::subject() const {
  const char* s = natsMsg_GetSubject(rep_->msg.get());
  return s == nullptr ? std::string_view() : std::string_view(s);
}

std::string_view Message::payload() const {
  const char* d = natsMsg_GetData(rep_->msg.get());
  const int n = natsMsg_GetDataLength(rep_->msg.get());
  return d == nullptr ? std::string_view() : std::string_view(d, static_cast<size_t>(n));
}

Status Message::ack(std::chrono::milliseconds timeout) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = to_ms(timeout);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  // AckSync, not Ack: the server answers once it has applied the ack, so an
  // ok is an ack that a lost connection cannot drop (a server crash still
  // can, before the consumer's state is written out).
  const natsStatus s = natsMsg_AckSync(rep_->msg.get(), &o, &jerr);
  return from_nats(s, jerr, "ack of stream sequence " + std::to_string(rep_->stream_seq));
}

Status Message::ack_nowait() {
  const natsStatus s = natsMsg_Ack(rep_->msg.get(), nullptr);
  return from_nats(s, static_cast<jsErrCode>(0), "ack of stream sequence " + std::to_string(rep_->stream_seq));
}

// --- Consumer --------------------------------------------------------------

struct Consumer::Rep {
  SubscriptionPtr sub;
  std::string name;  // "stream/durable", for messages
};

Consumer::Consumer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Consumer::~Consumer() = default;

Status Consumer::fetch(int batch, std::chrono::milliseconds timeout, std::vector<Message>* out) {
  if (batch < 1) return Status::invalid_argument("fetch: batch must be at least 1");
  if (timeout.count() <= 0) return Status::invalid_argument("fetch: timeout must be positive");
  MsgList list;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s =
      natsSubscription_Fetch(&list.list, rep_->sub.get(), batch, to_ms(timeout), &jerr);
  // An empty wait is not a failure for a consumer that polls.
  if (s == NATS_TIMEOUT && list.list.Count == 0) return Status::ok();
  if (s != NATS_OK && list.list.Count == 0) {
    return from_nats(s, jerr, "fetch from consumer " + rep_->name);
  }
  for (int i = 0; i < list.list.Count; ++i) {
    auto rep = std::make_unique<Message::Rep>();
    rep->msg.reset(list.list.Msgs[i]);
    list.list.Msgs[i] = nullptr;
    MetaDataPtr meta;
    const natsStatus ms = natsMsg_GetMetaData(out_ptr(meta), rep->msg.get());
    if (ms != NATS_OK) {
      return from_nats(ms, static_cast<jsErrCode>(0),
                       "fetch from consumer " + rep_->name + ": reading a message's metadata");
    }
    rep->stream_seq = meta->Sequence.Stream;
    rep->consumer_seq = meta->Sequence.Consumer;
    rep->delivery_count = meta->NumDelivered;
    out->push_back(Message(std::move(rep)));
  }
  return Status::ok();
}

// --- KeyValue --------------------------------------------------------------

struct KvWatcher::Rep {
  KvWatcherPtr watcher;
  bool initial_done = false;
};

KvWatcher::KvWatcher(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
KvWatcher::~KvWatcher() = default;

Status KvWatcher::next(std::chrono::milliseconds timeout, KvEntry* entry, bool* got,
                       bool* initial_done) {
  *got = false;
  KvEntryPtr e;
  const natsStatus s = kvWatcher_Next(out_ptr(e), rep_->watcher.get(), to_ms(timeout));
  if (s == NATS_TIMEOUT) return Status::ok();
  if (s != NATS_OK) return from_nats(s, static_cast<jsErrCode>(0), "watch a key-value bucket");
  if (e == nullptr) {  // the marker after the initial contents
    rep_->initial_done = true;
    *initial_done = true;
    return Status::ok();
  }
  entry->key = kvEntry_Key(e.get());
  const void* v = kvEntry_Value(e.get());
  const int n = kvEntry_ValueLen(e.get());
  entry->value.assign(v == nullptr ? "" : static_cast<const char*>(v), v == nullptr ? 0 : static_cast<size_t>(n));
  entry->revision = kvEntry_Revision(e.get());
  entry->deleted = kvEntry_Operation(e.get()) != kvOp_Put;
  *got = true;
  *initial_done = rep_->initial_done;
  return Status::ok();
}

struct KeyValue::Rep {
  KvStorePtr kv;
  std::string bucket;
};

KeyValue::KeyValue(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
KeyValue::~KeyValue() = default;

Status KeyValue::put(std::string_view key, std::string_view value, uint64_t* revision) {
  const std::string k(key);
  if (value.size() > static_cast<size_t>(INT_MAX)) return Status::too_large("value over 2 GiB");
  uint64_t rev = 0;
  const natsStatus s =
      kvStore_Put(&rev, rep_->kv.get(), k.c_str(), value.data(), static_cast<int>(value.size()));
  if (s != NATS_OK) {
    return from_nats(s, static_cast<jsErrCode>(0), "put " + quoted(k) + " in bucket " + quoted(rep_->bucket));
  }
  if (revision != nullptr) *revision = rev;
  return Status::ok();
}

Status KeyValue::get(std::string_view key, std::string* value) const {
  const std::string k(key);
  KvEntryPtr e;
  const natsStatus s = kvStore_Get(out_ptr(e), rep_->kv.get(), k.c_str());
  if (s == NATS_NOT_FOUND) return Status::not_found("no key " + quoted(k) + " in bucket " + quoted(rep_->bucket));
  if (s != NATS_OK) {
    return from_nats(s, static_cast<jsErrCode>(0), "get " + quoted(k) + " from bucket " + quoted(rep_->bucket));
  }
  const void* v = kvEntry_Value(e.get());
  value->assign(v == nullptr ? "" : static_cast<const char*>(v),
                v == nullptr ? 0 : static_cast<size_t>(kvEntry_ValueLen(e.get())));
  return Status::ok();
}

Status KeyValue::watch_all(std::unique_ptr<KvWatcher>* out) {
  auto rep = std::make_unique<KvWatcher::Rep>();
  const natsStatus s = kvStore_WatchAll(out_ptr(rep->watcher), rep_->kv.get(), nullptr);
  if (s != NATS_OK) {
    return from_nats(s, static_cast<jsErrCode>(0), "watch bucket " + quoted(rep_->bucket));
  }
  out->reset(new KvWatcher(std::move(rep)));
  return Status::ok();
}

// --- JetStream -------------------------------------------------------------

struct JetStream::Rep {
  // Declared in this order so the context goes before its connection.
  ConnectionPtr conn;
  JsCtxPtr js;
  int64_t api_wait_ms = 5000;

  jsOptions api_options() const {
    jsOptions o;
    jsOptions_Init(&o);
    o.Wait = api_wait_ms;
    return o;
  }
};

JetStream::JetStream(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
JetStream::~JetStream() = default;

Status JetStream::connect(std::span<const std::string> urls, const ConnectOptions& options,
                          std::unique_ptr<JetStream>* out) {
  if (urls.empty()) return Status::invalid_argument("connect to NATS: no server URL given");
  auto rep = std::make_unique<Rep>();
  rep->api_wait_ms = to_ms(options.api_timeout);
  const std::string where = "connect to NATS at " + joined(urls);

  OptionsPtr opts;
  natsStatus s = natsOptions_Create(out_ptr(opts));
  std::vector<const char*> servers;
  for (const std::string& u : urls) servers.push_back(u.c_str());
  if (s == NATS_OK) s = natsOptions_SetServers(opts.get(), servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetName(opts.get(), options.name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts.get(), to_ms(options.connect_timeout));
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), options.max_reconnect);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), to_ms(options.reconnect_wait));
  if (s != NATS_OK) return from_nats(s, static_cast<jsErrCode>(0), where + ": options");

  // The options are copied into the connection.
  s = natsConnection_Connect(out_ptr(rep->conn), opts.get());
  if (s == NATS_NO_SERVER) {
    return Status::unavailable(where + ": no server reachable (" + natsStatus_GetText(s) +
                               "); is nats-server running and listening there?");
  }
  if (s != NATS_OK) return from_nats(s, static_cast<jsErrCode>(0), where);

  jsOptions jo = rep->api_options();
  s = natsConnection_JetStream(out_ptr(rep->js), rep->conn.get(), &jo);
  if (s != NATS_OK) return from_nats(s, static_cast<jsErrCode>(0), where + ": JetStream context");

  // The context is local; asking for the account's JetStream info is what
  // tells a JetStream server from a plain one.
  AccountInfoPtr info;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_GetAccountInfo(out_ptr(info), rep->js.get(), &jo, &jerr);
  if (s == NATS_NO_RESPONDERS || jerr == JSNotEnabledErr || jerr == JSNotEnabledForAccountErr) {
    return Status::unavailable(where +
                               ": the server does not have JetStream enabled (start nats-server "
                               "with -js, or a jetstream block in its configuration)");
  }
  if (s != NATS_OK) return from_nats(s, jerr, where + ": JetStream account info");
  out->reset(new JetStream(std::move(rep)));
  return Status::ok();
}

Status JetStream::ensure_stream(std::string_view name, std::span<const std::string> subjects,
                                int replicas) {
  const std::string stream(name);
  const std::string what = "ensure stream " + quoted(stream);
  if (subjects.empty()) return Status::invalid_argument(what + ": no subject given");
  if (replicas < 1) return Status::invalid_argument(what + ": replicas must be at least 1");
  std::vector<const char*> subs;
  for (const std::string& s : subjects) subs.push_back(s.c_str());

  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = stream.c_str();
  cfg.Subjects = subs.data();
  cfg.SubjectsLen = static_cast<int>(subs.size());
  cfg.Storage = js_FileStorage;
  cfg.Retention = js_LimitsPolicy;
  cfg.Replicas = replicas;

  jsOptions jo = rep_->api_options();
  StreamInfoPtr info;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(out_ptr(info), rep_->js.get(), &cfg, &jo, &jerr);
  // The same configuration again is an ok from the server; a different one
  // is "name already in use": update it.
  if (s != NATS_OK && jerr == JSStreamNameExistErr) {
    jerr = static_cast<jsErrCode>(0);
    s = js_UpdateStream(out_ptr(info), rep_->js.get(), &cfg, &jo, &jerr);
  }
  return from_nats(s, jerr, what);
}

Status JetStream::publish(std::string_view subject, std::string_view msg_id,
                          std::string_view payload, std::chrono::milliseconds timeout,
                          PubAck* ack) {
  const std::string subj(subject);
  const std::string what = "publish on " + quoted(subj);
  if (payload.size() > static_cast<size_t>(INT_MAX)) {
    return Status::too_large(what + ": payload over 2 GiB");
  }
  if (timeout.count() <= 0) return Status::invalid_argument(what + ": timeout must be positive");
  const std::string id(msg_id);
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = to_ms(timeout);
  po.MsgId = id.empty() ? nullptr : id.c_str();  // sent as the Nats-Msg-Id header

  PubAckPtr pa;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_Publish(out_ptr(pa), rep_->js.get(), subj.c_str(), payload.data(),
                                  static_cast<int>(payload.size()), &po, &jerr);
  if (s == NATS_NO_RESPONDERS) {
    return Status::not_found(what + ": no JetStream stream takes this subject");
  }
  if (s == NATS_TIMEOUT) {
    return Status::unavailable(what + ": no PubAck within " + std::to_string(timeout.count()) +
                               " ms; the message may or may not be stored (publish again with "
                               "the same msg_id to be sure)");
  }
  if (s != NATS_OK) return from_nats(s, jerr, what);
  assert(pa != nullptr);
  if (ack != nullptr) {
    ack->stream_seq = pa->Sequence;
    ack->duplicate = pa->Duplicate;
  }
  return Status::ok();
}

Status JetStream::key_value(std::string_view bucket, int replicas, std::unique_ptr<KeyValue>* out) {
  auto rep = std::make_unique<KeyValue::Rep>();
  rep->bucket = std::string(bucket);
  const std::string what = "key-value bucket " + quoted(rep->bucket);
  natsStatus s = js_KeyValue(out_ptr(rep->kv), rep_->js.get(), rep->bucket.c_str());
  if (s == NATS_NOT_FOUND) {
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = rep->bucket.c_str();
    cfg.History = 1;
    cfg.StorageType = js_FileStorage;
    cfg.Replicas = replicas;
    s = js_CreateKeyValue(out_ptr(rep->kv), rep_->js.get(), &cfg);
  }
  if (s != NATS_OK) return from_nats(s, static_cast<jsErrCode>(0), what);
  out->reset(new KeyValue(std::move(rep)));
  return Status::ok();
}

Status JetStream::pull_consumer(const ConsumerOptions& options, std::unique_ptr<Consumer>* out) {
  const std::string what = "consumer " + quoted(options.durable) + " of stream " + quoted(options.stream);
  if (options.durable.empty()) return Status::invalid_argument(what + ": no durable name given");
  if (options.filter_subject.empty()) {
    return Status::invalid_argument(what + ": no filter subject given");
  }
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = options.durable.c_str();
  cc.FilterSubject = options.filter_subject.c_str();
  cc.AckPolicy = options.ack_all ? js_AckAll : js_AckExplicit;
  if (options.start_seq > 0) {
    cc.DeliverPolicy = js_DeliverByStartSequence;
    cc.OptStartSeq = options.start_seq;
  } else {
    cc.DeliverPolicy = js_DeliverAll;
  }
  cc.AckWait = to_ns(options.ack_wait);
  cc.InactiveThreshold = to_ns(options.inactive_after);
  if (options.ephemeral_state) {
    cc.Replicas = 1;
    cc.MemoryStorage = true;
  }

  // Created explicitly, then bound: a consumer that js_PullSubscribe itself
  // creates is deleted again by an unsubscribe (nats.h, js_Subscribe).
  jsOptions jo = rep_->api_options();
  ConsumerInfoPtr info;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddConsumer(out_ptr(info), rep_->js.get(), options.stream.c_str(), &cc, &jo, &jerr);
  if (s != NATS_OK && jerr == JSConsumerNameExistErr) {
    jerr = static_cast<jsErrCode>(0);
    s = js_UpdateConsumer(out_ptr(info), rep_->js.get(), options.stream.c_str(), &cc, &jo, &jerr);
  }
  if (s != NATS_OK) return from_nats(s, jerr, "create " + what);

  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = options.stream.c_str();
  so.Consumer = options.durable.c_str();
  // Binding compares these with the consumer's; they must say the same.
  so.Config.MemoryStorage = cc.MemoryStorage;
  so.Config.Replicas = cc.Replicas;
  auto rep = std::make_unique<Consumer::Rep>();
  rep->name = options.stream + "/" + options.durable;
  jerr = static_cast<jsErrCode>(0);
  s = js_PullSubscribe(out_ptr(rep->sub), rep_->js.get(), options.filter_subject.c_str(),
                       options.durable.c_str(), &jo, &so, &jerr);
  if (s != NATS_OK) return from_nats(s, jerr, "bind to " + what);
  out->reset(new Consumer(std::move(rep)));
  return Status::ok();
}

Status JetStream::check_consumer(std::string_view stream, std::string_view durable) {
  const std::string name(stream);
  const std::string consumer(durable);
  jsOptions jo = rep_->api_options();
  ConsumerInfoPtr info;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s =
      js_GetConsumerInfo(out_ptr(info), rep_->js.get(), name.c_str(), consumer.c_str(), &jo, &jerr);
  const std::string what = "consumer " + quoted(consumer) + " of stream " + quoted(name);
  if (s != NATS_OK && (jerr == JSConsumerNotFoundErr || s == NATS_NOT_FOUND)) {
    return Status::not_found(what + ": no such consumer");
  }
  return from_nats(s, jerr, "look up " + what);
}

Status JetStream::purge(std::string_view stream, std::string_view subject, uint64_t before_seq) {
  const std::string name(stream);
  const std::string subj(subject);
  const std::string what = "purge " + quoted(subj) + " from stream " + quoted(name);
  if (subj.empty()) return Status::invalid_argument(what + ": no subject given");
  // Nothing is below sequence 1; and nats-server 2.9 reads a purge "below 1"
  // of a filter that is the whole stream as a purge of everything.
  if (before_seq == 1) return Status::ok();
  jsOptions jo = rep_->api_options();
  jo.Stream.Purge.Subject = subj.c_str();
  jo.Stream.Purge.Sequence = before_seq;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_PurgeStream(rep_->js.get(), name.c_str(), &jo, &jerr);
  return from_nats(s, jerr, what);
}

}  // namespace attnrec::storage::nats

// storage/nats/jetstream.h against a real nats-server: each test starts its
// own server (JetStream on, file store in a temp dir, a free loopback port)
// and kills it at the end. Without nats-server on PATH (Debian: nats-server)
// each test warns and passes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "child_process.h"
#include "storage/nats/jetstream.h"
#include "temp_dir.h"

namespace attnrec::storage::nats {
namespace {

using namespace std::chrono_literals;
using attnrec::testing::TempDir;

// The absolute path of `name` on PATH; empty when absent.
std::string on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

// A loopback port nobody listens on right now (bound to port 0, then freed).
uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  close(fd);
  return ntohs(a.sin_port);
}

bool accepts(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// One nats-server on 127.0.0.1, its JetStream store and log in a temp dir
// that outlives restarts. kill() is kill -9 (a crash); start() again runs it
// on the same port and store.
class NatsServer {
 public:
  explicit NatsServer(std::string binary, bool jetstream = true)
      : binary_(std::move(binary)), jetstream_(jetstream), port_(free_port()) {
    start();
  }
  ~NatsServer() { kill(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Starts the server and returns once it accepts connections (JetStream
  // has recovered its store by then: the server enables it before it
  // listens).
  void start() {
    REQUIRE(pid_ < 0);
    std::vector<std::string> args = {"-a", "127.0.0.1", "-p", std::to_string(port_),
                                     "-l", dir_.sub("server.log")};
    if (jetstream_) {
      args.insert(args.end(), {"-js", "-sd", dir_.sub("store")});
    }
    int out_fd = -1, err_fd = -1;
    pid_ = attnrec::testing::spawn(binary_, args, {}, &out_fd, &err_fd, dir_.sub("stderr.log"));
    close(out_fd);
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (!accepts(port_)) {
      int status = 0;
      INFO("nats-server log: " << dir_.sub("server.log"));
      REQUIRE(waitpid(pid_, &status, WNOHANG) == 0);  // still running
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(20ms);
    }
  }

  void kill() { stop(SIGKILL); }
  // SIGTERM: a clean shutdown, the server writes its state out first.
  void terminate() { stop(SIGTERM); }

  std::vector<std::string> urls() const { return {"nats://127.0.0.1:" + std::to_string(port_)}; }

 private:
  void stop(int signal) {
    if (pid_ < 0) return;
    ::kill(pid_, signal);
    attnrec::testing::wait_exit(pid_);
    pid_ = -1;
  }

  std::string binary_;
  bool jetstream_;
  TempDir dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

// A started server, or nothing (with a warning) when nats-server is absent.
std::unique_ptr<NatsServer> server_or_skip(bool jetstream = true) {
  const std::string binary = on_path("nats-server");
  if (binary.empty()) {
    WARN("skipped: nats-server is not on PATH (Debian: apt-get install nats-server)");
    return nullptr;
  }
  return std::make_unique<NatsServer>(binary, jetstream);
}

std::unique_ptr<JetStream> connect_to(const NatsServer& server) {
  std::unique_ptr<JetStream> js;
  const auto urls = server.urls();
  const Status s = JetStream::connect(urls, ConnectOptions{}, &js);
  INFO(s.message());
  REQUIRE(s.is_ok());
  REQUIRE(js != nullptr);
  return js;
}

void require_ok(const Status& s) {
  INFO(s.message());
  REQUIRE(s.is_ok());
}

PubAck publish(JetStream& js, const std::string& subject, const std::string& id,
               const std::string& payload) {
  PubAck ack;
  require_ok(js.publish(subject, id, payload, 5s, &ack));
  return ack;
}

std::unique_ptr<Consumer> consumer(JetStream& js, const std::string& durable,
                                   const std::string& filter,
                                   std::chrono::milliseconds ack_wait = 30s) {
  ConsumerOptions o;
  o.stream = "EVENTS";
  o.durable = durable;
  o.filter_subject = filter;
  o.ack_wait = ack_wait;
  std::unique_ptr<Consumer> c;
  require_ok(js.pull_consumer(o, &c));
  REQUIRE(c != nullptr);
  return c;
}

// Fetches until `n` messages arrived or `timeout` passed.
std::vector<Message> fetch_n(Consumer& c, size_t n, std::chrono::milliseconds timeout = 5s) {
  std::vector<Message> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    require_ok(c.fetch(static_cast<int>(n - out.size()), 500ms, &out));
  }
  return out;
}

const std::vector<std::string> kSubjects = {"ev.>"};

TEST_CASE("nats: publish then fetch gives the payloads in order with increasing sequences") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));
  // Ensuring the same stream again is a no-op.
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));

  const std::vector<std::string> payloads = {"first", std::string("with\0nul", 8), "", "last"};
  uint64_t last_seq = 0;
  for (size_t i = 0; i < payloads.size(); ++i) {
    const PubAck ack = publish(*js, "ev.u" + std::to_string(i), "id-" + std::to_string(i), payloads[i]);
    CHECK(ack.stream_seq > last_seq);
    CHECK_FALSE(ack.duplicate);
    last_seq = ack.stream_seq;
  }

  auto c = consumer(*js, "reader", "ev.>");
  std::vector<Message> got = fetch_n(*c, payloads.size());
  REQUIRE(got.size() == payloads.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].payload() == payloads[i]);
    CHECK(got[i].subject() == "ev.u" + std::to_string(i));
    CHECK(got[i].stream_seq() == i + 1);
    CHECK(got[i].delivery_count() == 1);
    require_ok(got[i].ack());
  }
  require_ok(got[0].ack());  // acking again is a no-op
  // Nothing more: an empty fetch is ok and appends nothing.
  std::vector<Message> more;
  require_ok(c->fetch(10, 300ms, &more));
  CHECK(more.empty());
}

TEST_CASE("nats: the same msg_id published twice is stored once and reported duplicate") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));

  const PubAck a = publish(*js, "ev.u1", "evt-42", "payload");
  const PubAck b = publish(*js, "ev.u1", "evt-42", "payload again");
  CHECK_FALSE(a.duplicate);
  CHECK(b.duplicate);
  CHECK(b.stream_seq == a.stream_seq);
  // Without a msg_id there is no de-duplication.
  const PubAck c1 = publish(*js, "ev.u1", "", "x");
  const PubAck c2 = publish(*js, "ev.u1", "", "x");
  CHECK_FALSE(c2.duplicate);
  CHECK(c2.stream_seq == c1.stream_seq + 1);

  auto c = consumer(*js, "reader", "ev.>");
  std::vector<Message> got = fetch_n(*c, 3);
  REQUIRE(got.size() == 3);
  CHECK(got[0].payload() == "payload");  // the first one is what was kept
  std::vector<Message> more;
  require_ok(c->fetch(10, 300ms, &more));
  CHECK(more.empty());
}

TEST_CASE("nats: a message not acked is delivered again after the ack wait") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));
  publish(*js, "ev.u1", "a", "one");
  auto c = consumer(*js, "reader", "ev.>", 1s);

  {
    std::vector<Message> first = fetch_n(*c, 1);
    REQUIRE(first.size() == 1);
    CHECK(first[0].delivery_count() == 1);
    // Dropped without an ack.
  }
  std::vector<Message> again = fetch_n(*c, 1, 5s);
  REQUIRE(again.size() == 1);
  CHECK(again[0].stream_seq() == 1);
  CHECK(again[0].payload() == "one");
  CHECK(again[0].delivery_count() == 2);
  require_ok(again[0].ack());
  // Acked: not delivered a third time, even after the ack wait.
  std::vector<Message> none;
  require_ok(c->fetch(1, 1500ms, &none));
  CHECK(none.empty());
}

TEST_CASE("nats: purge by subject removes only that subject's messages") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));
  publish(*js, "ev.u1", "1", "u1-a");
  publish(*js, "ev.u2", "2", "u2-a");
  publish(*js, "ev.u1", "3", "u1-b");
  publish(*js, "ev.u2", "4", "u2-b");

  require_ok(js->purge("EVENTS", "ev.u1"));

  auto c = consumer(*js, "reader", "ev.>");
  std::vector<Message> got = fetch_n(*c, 4, 2s);
  REQUIRE(got.size() == 2);
  CHECK(got[0].payload() == "u2-a");
  CHECK(got[0].stream_seq() == 2);
  CHECK(got[1].payload() == "u2-b");
  CHECK(got[1].stream_seq() == 4);
  // Sequences go on after a purge.
  CHECK(publish(*js, "ev.u1", "5", "u1-c").stream_seq == 5);

  const Status unknown = js->purge("NOSUCH", "ev.u1");
  CHECK(unknown.code() == Status::Code::kNotFound);
  CHECK_THAT(unknown.message(), Catch::Contains("NOSUCH"));
  CHECK_THAT(unknown.message(), Catch::Contains("no such stream"));
}

TEST_CASE("nats: purge below a sequence keeps the subject's later messages") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));
  publish(*js, "ev.u1", "1", "u1-a");
  publish(*js, "ev.u2", "2", "u2-a");
  const PubAck marker = publish(*js, "ev.u1", "3", "u1-marker");
  publish(*js, "ev.u1", "4", "u1-after");

  require_ok(js->purge("EVENTS", "ev.u1", marker.stream_seq));

  auto c = consumer(*js, "reader", "ev.>");
  std::vector<Message> got = fetch_n(*c, 4, 2s);
  REQUIRE(got.size() == 3);
  CHECK(got[0].payload() == "u2-a");
  CHECK(got[1].payload() == "u1-marker");
  CHECK(got[2].payload() == "u1-after");
}

TEST_CASE("nats: purge of the whole stream's filter below a sequence keeps the later messages") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));
  publish(*js, "ev.u1", "1", "first");
  publish(*js, "ev.u2", "2", "second");
  publish(*js, "ev.u1", "3", "third");
  // Below 1 is nothing (nats-server itself would purge everything).
  require_ok(js->purge("EVENTS", "ev.>", 1));
  {
    auto c = consumer(*js, "reader-1", "ev.>");
    CHECK(fetch_n(*c, 3, 2s).size() == 3);
  }
  require_ok(js->purge("EVENTS", "ev.>", 3));
  auto c = consumer(*js, "reader-2", "ev.>");
  std::vector<Message> got = fetch_n(*c, 3, 2s);
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload() == "third");
}

TEST_CASE("nats: a consumer made from a start sequence delivers from there") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));
  for (int i = 1; i <= 5; ++i) publish(*js, "ev.u1", std::to_string(i), "m" + std::to_string(i));
  ConsumerOptions o;
  o.stream = "EVENTS";
  o.durable = "view";
  o.filter_subject = "ev.>";
  o.ack_all = true;
  {
    std::unique_ptr<Consumer> c;
    require_ok(js->pull_consumer(o, &c));
    std::vector<Message> got = fetch_n(*c, 5);
    REQUIRE(got.size() == 5);
    require_ok(got[2].ack());  // ack_all: 1 to 3 acked with it
  }
  require_ok(js->check_consumer("EVENTS", "view"));
  CHECK(js->check_consumer("EVENTS", "nosuch").is_not_found());
  // A new consumer from after what "view" acked, as a node makes one from
  // its store's applied sequence.
  o.durable = "view-2";
  o.start_seq = 4;
  std::unique_ptr<Consumer> c;
  require_ok(js->pull_consumer(o, &c));
  std::vector<Message> got = fetch_n(*c, 2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].stream_seq() == 4);
  CHECK(got[0].payload() == "m4");
  CHECK(got[0].delivery_count() == 1);
  CHECK(got[1].stream_seq() == 5);
}

TEST_CASE("nats: a key-value bucket keeps the last value per key and a watcher sees all then changes") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  std::unique_ptr<KeyValue> kv;
  require_ok(js->key_value("CATALOG", 1, &kv));
  uint64_t r1 = 0, r2 = 0, r3 = 0;
  require_ok(kv->put("item.a", "one", &r1));
  require_ok(kv->put("item.b", "", &r2));  // an empty value is a value
  require_ok(kv->put("item.a", "two", &r3));
  CHECK(r1 < r2);
  CHECK(r2 < r3);
  std::string v;
  require_ok(kv->get("item.a", &v));
  CHECK(v == "two");
  CHECK(kv->get("item.none", &v).is_not_found());

  // Bound again: the same bucket, the same contents.
  std::unique_ptr<KeyValue> again;
  require_ok(js->key_value("CATALOG", 1, &again));
  std::unique_ptr<KvWatcher> w;
  require_ok(again->watch_all(&w));
  std::map<std::string, KvEntry> seen;
  bool initial_done = false;
  for (int i = 0; i < 20 && !initial_done; ++i) {
    KvEntry e;
    bool got = false;
    require_ok(w->next(500ms, &e, &got, &initial_done));
    if (got) seen[e.key] = e;
  }
  REQUIRE(initial_done);
  REQUIRE(seen.size() == 2);  // the last value of each key only
  CHECK(seen["item.a"].value == "two");
  CHECK(seen["item.a"].revision == r3);
  CHECK(seen["item.b"].value.empty());
  CHECK_FALSE(seen["item.b"].deleted);
  // A change after the initial contents comes through.
  uint64_t r4 = 0;
  require_ok(kv->put("item.c", "three", &r4));
  KvEntry e;
  bool got = false;
  for (int i = 0; i < 10 && !got; ++i) require_ok(w->next(500ms, &e, &got, &initial_done));
  REQUIRE(got);
  CHECK(e.key == "item.c");
  CHECK(e.value == "three");
  CHECK(e.revision == r4);
  w.reset();
  again.reset();
  kv.reset();
}

TEST_CASE("nats: connect to a closed port fails with a clear message") {
  const uint16_t port = free_port();  // no server needed: nobody listens there
  const std::vector<std::string> urls = {"nats://127.0.0.1:" + std::to_string(port)};
  ConnectOptions o;
  o.connect_timeout = 500ms;
  std::unique_ptr<JetStream> js;
  const Status s = JetStream::connect(urls, o, &js);
  CHECK(s.code() == Status::Code::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains("no server reachable"));
  CHECK_THAT(s.message(), Catch::Contains(urls[0]));
  CHECK(js == nullptr);

  const Status none = JetStream::connect({}, o, &js);
  CHECK(none.code() == Status::Code::kInvalidArgument);
}

TEST_CASE("nats: connect to a server without JetStream says so") {
  auto server = server_or_skip(/*jetstream=*/false);
  if (!server) return;
  std::unique_ptr<JetStream> js;
  const auto urls = server->urls();
  const Status s = JetStream::connect(urls, ConnectOptions{}, &js);
  CHECK(s.code() == Status::Code::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains("JetStream enabled"));
  CHECK(js == nullptr);
}

TEST_CASE("nats: publish to a subject no stream takes is not found") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));
  PubAck ack;
  const Status s = js->publish("other.u1", "x", "p", 2s, &ack);
  CHECK(s.code() == Status::Code::kNotFound);
  CHECK_THAT(s.message(), Catch::Contains("other.u1"));
  // A single server cannot keep three replicas.
  const Status r3 = js->ensure_stream("EVENTS", kSubjects, 3);
  CHECK(r3.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(r3.message(), Catch::Contains("replicas > 1 not supported"));
  CHECK_THAT(r3.message(), !Catch::Contains(".c:"));  // nats.c's source location is cut

  ConsumerOptions o;
  o.stream = "NOSUCH";
  o.durable = "reader";
  o.filter_subject = "ev.>";
  std::unique_ptr<Consumer> c;
  const Status no_stream = js->pull_consumer(o, &c);
  CHECK(no_stream.code() == Status::Code::kNotFound);
  CHECK_THAT(no_stream.message(), Catch::Contains("no such stream"));
  CHECK(c == nullptr);
}

TEST_CASE("nats: ensure_stream updates the subjects of an existing stream") {
  auto server = server_or_skip();
  if (!server) return;
  auto js = connect_to(*server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));
  publish(*js, "ev.u1", "1", "kept");
  const std::vector<std::string> more = {"ev.>", "erase.>"};
  require_ok(js->ensure_stream("EVENTS", more, 1));
  CHECK(publish(*js, "erase.u1", "2", "tombstone").stream_seq == 2);
}

// Publishes m1..m3 (ids id-1..id-3), acks m1 and m2 through the durable
// "reader", and closes the connection.
void publish_three_ack_two(const NatsServer& server) {
  auto js = connect_to(server);
  require_ok(js->ensure_stream("EVENTS", kSubjects, 1));
  for (int i = 1; i <= 3; ++i) {
    CHECK(publish(*js, "ev.u1", "id-" + std::to_string(i), "m" + std::to_string(i)).stream_seq ==
          static_cast<uint64_t>(i));
  }
  auto c = consumer(*js, "reader", "ev.>");
  std::vector<Message> got = fetch_n(*c, 2);
  REQUIRE(got.size() == 2);
  for (Message& m : got) require_ok(m.ack());
}

TEST_CASE("nats: a killed server restarted on its store keeps the acknowledged messages") {
  auto server = server_or_skip();
  if (!server) return;
  publish_three_ack_two(*server);
  server->kill();  // kill -9: no clean shutdown
  server->start();

  auto js = connect_to(*server);
  // Every published message came back from the store.
  auto fresh = consumer(*js, "fresh", "ev.>");
  std::vector<Message> all = fetch_n(*fresh, 3);
  REQUIRE(all.size() == 3);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].stream_seq() == i + 1);
    CHECK(all[i].payload() == "m" + std::to_string(i + 1));
  }
  // The consumer is at least once across a crash: the server writes a
  // consumer's acks to disk shortly after it confirms them, so those of the
  // last moments before the kill may be lost and their messages delivered
  // again. What is never lost is a message not acked: "reader" delivers a
  // run of messages ending with m3.
  auto reader = consumer(*js, "reader", "ev.>");
  std::vector<Message> rest = fetch_n(*reader, 3, 2s);
  REQUIRE_FALSE(rest.empty());
  CHECK(rest.back().stream_seq() == 3);
  for (size_t i = 1; i < rest.size(); ++i) CHECK(rest[i].stream_seq() == rest[i - 1].stream_seq() + 1);
  if (rest.size() > 1) {
    WARN("after kill -9, reader delivered again " << rest.size() - 1 << " of the 2 acked messages");
  }
  // The duplicate window is rebuilt from the stored messages.
  const PubAck again = publish(*js, "ev.u1", "id-1", "m1");
  CHECK(again.duplicate);
  CHECK(again.stream_seq == 1);
  CHECK(publish(*js, "ev.u1", "id-4", "m4").stream_seq == 4);
}

TEST_CASE("nats: a server stopped cleanly and restarted keeps the consumer's acks") {
  auto server = server_or_skip();
  if (!server) return;
  publish_three_ack_two(*server);
  server->terminate();
  server->start();

  auto js = connect_to(*server);
  auto reader = consumer(*js, "reader", "ev.>");
  std::vector<Message> rest = fetch_n(*reader, 3, 2s);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].stream_seq() == 3);
  CHECK(rest[0].payload() == "m3");
  CHECK(rest[0].delivery_count() == 1);
}

}  // namespace
}  // namespace attnrec::storage::nats

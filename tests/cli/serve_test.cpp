// `attnrec serve` as a process, killed and stopped the way operators and
// machines do it (issue 12, items 1 and 9):
//   - kill -9 at random moments under concurrent ingest (batches and single
//     events, with and without idempotency ids), restarted each time: every
//     event acknowledged before a kill is stored exactly once, retries of
//     unacknowledged requests included, a request is all or nothing, and
//     the store opens every time;
//   - kill -9 during a retrain and during a model activation: the restart
//     serves the last active model, the job shows failed, and models/ holds
//     nothing a later start or training trips on;
//   - SIGTERM under load: requests in flight are answered, new connections
//     are refused, the store is flushed, exit 0 within a bound.
//
// The suite runs a short form. ATTNREC_CRASH_KILLS, ATTNREC_TRAIN_KILLS,
// ATTNREC_ACTIVATE_KILLS and ATTNREC_CRASH_SEED make it longer or
// reproducible (bench/crash/run.sh). Figures are printed on stdout.
//
// Client threads never call Catch2: they record outcomes, the main thread
// asserts.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "api/chain_data.h"
#include "api/http_client.h"
#include "child_process.h"
#include "storage/store.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using attnrec::testing::HttpClient;
using attnrec::testing::ServeProcess;
using attnrec::testing::TempDir;
using Clock = std::chrono::steady_clock;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

boost::asio::ip::tcp::endpoint local(uint16_t port) {
  return {boost::asio::ip::make_address("127.0.0.1"), port};
}

// The server's flags in these tests: few threads (two shared cores).
std::vector<std::string> serve_args(const std::string& data_dir) {
  return {"--data-dir", data_dir, "--threads", "2", "--workers", "16", "--cpu-threads", "1",
          "--train-threads", "1"};
}

// The last lines of the servers' stderr, for a failure's message.
std::string log_tail(const std::string& path) {
  std::ifstream f(path);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

size_t count_lines_with(const std::string& path, const std::string& needle) {
  std::ifstream f(path);
  size_t n = 0;
  for (std::string line; std::getline(f, line);) n += line.find(needle) != std::string::npos;
  return n;
}

// ---------------------------------------------------------------------------
// The ingest load and its ledger.

// What the client learnt of one ingest request.
enum class Fate {
  kAcked,     // 2xx: every event must be stored exactly once
  kRejected,  // an error status: nothing may be stored
  kUnknown    // the connection broke first: all events stored once, or none
};

struct Sent {
  std::vector<std::string> items;  // one unique item per event: its identity
  std::string user;
  int64_t first_ts = 0;            // event i has first_ts + i (seconds)
  Fate fate = Fate::kUnknown;
  int attempts = 0;                // > 1: retried with the same ids
};

// State shared by the main thread and the clients. The main thread
// publishes the server's port (0 while it is down).
struct Load {
  std::atomic<uint16_t> port{0};
  std::atomic<bool> stop{false};   // finish the current request, then return
  std::atomic<bool> abort{false};  // return at once (the test failed)
  std::atomic<uint64_t> acked_events{0}, acked_requests{0}, retries{0};
  std::atomic<uint64_t> answered_after_term{0}, refused_after_term{0}, broken_after_term{0};
  std::atomic<bool> terminating{false};  // SIGTERM sent (shutdown test)
  bool kills = true;  // broken connections are expected (not in the shutdown test)
  std::atomic<uint64_t> failures{0};
  std::mutex mu;
  std::string first_failure;  // guarded by mu

  void fail(const std::string& what) {
    if (failures++ == 0) {
      std::lock_guard lock(mu);
      first_failure = what;
    }
  }
};

// One client: sends single events and batches, a third with idempotency
// ids on every event, a third with none, a third mixed. A request with an
// id on every event is retried until acknowledged (the client's promise:
// retrying is safe); the others are not (a retry could store them twice).
class IngestClient {
 public:
  IngestClient(Load& load, int index, uint64_t seed) : load_(load), index_(index), rng_(seed) {}

  void run() {
    while (!load_.stop && !load_.abort && !refused_) send_one();
  }

  std::vector<Sent>& sent() { return sent_; }

 private:
  // Connects to the published port; false when told to give up.
  bool connect() {
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (!load_.abort && Clock::now() < deadline) {
      const uint16_t port = load_.port;
      if (port != 0) {
        try {
          conn_.emplace(local(port));
          return true;
        } catch (const std::exception&) {
          if (load_.terminating) {
            ++load_.refused_after_term;
            refused_ = true;  // the server is going away: this client is done
            return false;
          }
        }
      } else if (load_.terminating) {
        refused_ = true;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!load_.abort) load_.fail("client " + std::to_string(index_) + ": no server for 120 s");
    return false;
  }

  void send_one() {
    std::uniform_int_distribution<int> pick(0, 99);
    const bool single = pick(rng_) < 40;
    const int n = single ? 1 : 2 + pick(rng_) % 19;
    const int mode = pick(rng_) % 3;  // 0 all ids, 1 none, 2 mixed
    const bool all_ids = mode == 0 || (mode == 2 && single);
    Sent& s = sent_.emplace_back();
    s.user = "c" + std::to_string(index_) + "-u" + std::to_string(seq_ % 7);
    s.first_ts = 1700000000 + static_cast<int64_t>(seq_);
    json::array events;
    for (int i = 0; i < n; ++i) {
      const std::string item = "c" + std::to_string(index_) + "-e" + std::to_string(seq_++);
      json::object e{{"user", s.user}, {"item", item}, {"type", "click"}, {"ts", s.first_ts + i}};
      if (all_ids || (mode == 2 && i % 2 == 0)) e["id"] = "id-" + item;
      s.items.push_back(item);
      events.push_back(std::move(e));
    }
    const std::string body = single ? json::serialize(events[0]) : json::serialize(json::object{{"events", events}});
    while (true) {
      if (!conn_ && !connect()) return;  // s stays unknown
      ++s.attempts;
      if (s.attempts > 1) ++load_.retries;
      const bool after_term = load_.terminating;
      try {
        const auto res = conn_->request("POST", "/v1/events", body);
        const int status = res.result_int();
        if (!res.keep_alive()) conn_.reset();
        if (status == 200) {
          const json::value v = json::parse(res.body());
          const auto accepted = v.at("accepted").to_number<int64_t>();
          const auto duplicates = v.at("duplicates").to_number<int64_t>();
          // A retry may find some or all events stored by the attempt whose answer was lost.
          if (accepted + duplicates != n || (s.attempts == 1 && duplicates != 0)) {
            load_.fail("POST /v1/events answered " + res.body() + " for " + std::to_string(n) + " events");
          }
          s.fate = Fate::kAcked;
          load_.acked_events += static_cast<uint64_t>(n);
          ++load_.acked_requests;
          if (load_.terminating) ++load_.answered_after_term;
          return;
        }
        const bool transient = status == 429 || status == 503;
        if (load_.terminating && status == 503) ++load_.refused_after_term;
        if (!transient) load_.fail("POST /v1/events: " + std::to_string(status) + " " + res.body());
        if (!all_ids || load_.terminating) {
          s.fate = Fate::kRejected;
          return;
        }
      } catch (const std::exception& e) {
        // The server died (or closed the connection) with the request unanswered.
        conn_.reset();
        if (!load_.kills && !after_term && !load_.terminating) {
          load_.fail(std::string("POST /v1/events before SIGTERM: ") + e.what());
        }
        if (after_term || load_.terminating) {
          ++load_.broken_after_term;
          return;  // unknown
        }
        if (!all_ids) return;  // unknown: not retried
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  Load& load_;
  const int index_;
  std::mt19937_64 rng_;
  uint64_t seq_ = 0;
  bool refused_ = false;
  std::optional<HttpClient> conn_;
  std::vector<Sent> sent_;
};

// Clients on their threads; joined (told to abort first) when destroyed, so
// a failing REQUIRE on the main thread does not leave them running.
class Clients {
 public:
  Clients(Load& load, int n, uint64_t seed) : load_(load) {
    for (int i = 0; i < n; ++i) clients_.push_back(std::make_unique<IngestClient>(load, i, seed + i));
    for (auto& c : clients_) threads_.emplace_back([&c] { c->run(); });
  }
  ~Clients() {
    load_.abort = true;
    join();
  }
  void join() {
    load_.stop = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  std::vector<Sent*> all_sent() {
    std::vector<Sent*> out;
    for (auto& c : clients_) {
      for (Sent& s : c->sent()) out.push_back(&s);
    }
    return out;
  }

 private:
  Load& load_;
  std::vector<std::unique_ptr<IngestClient>> clients_;
  std::vector<std::thread> threads_;
};

struct Checked {
  uint64_t stored = 0, acked = 0, unknown_requests = 0, unknown_stored = 0, rejected = 0, retried = 0;
};

// Reads every stored event straight from the store (the server is stopped)
// and holds each request's events to its fate.
Checked check_store(const std::string& data_dir, const std::vector<Sent*>& sent) {
  attnrec::storage::Options options;
  options.path = data_dir + "/store";
  options.create_if_missing = false;
  std::unique_ptr<attnrec::storage::Store> store;
  const attnrec::Status opened = attnrec::storage::Store::open(options, &store);
  INFO(opened.message());
  REQUIRE(opened.is_ok());
  struct Seen {
    int count = 0;
    std::string user;
    int64_t ts_ms = 0;
  };
  std::unordered_map<std::string, Seen> seen;
  Checked c;
  REQUIRE(store->scan_events([&](uint32_t user, uint32_t item, int64_t ts_ms, float) {
    Seen& s = seen[store->item_name(item)];
    ++s.count;
    s.user = store->user_name(user);
    s.ts_ms = ts_ms;
    ++c.stored;
  }).is_ok());
  uint64_t known = 0;
  for (const Sent* s : sent) {
    std::set<int> counts;
    for (size_t i = 0; i < s->items.size(); ++i) {
      auto it = seen.find(s->items[i]);
      const int count = it == seen.end() ? 0 : it->second.count;
      counts.insert(count);
      if (count > 0) {
        ++known;
        INFO("event " << s->items[i]);
        CHECK(it->second.user == s->user);
        CHECK(it->second.ts_ms == (s->first_ts + static_cast<int64_t>(i)) * 1000);
      }
    }
    INFO("request of " << s->items.size() << " events from " << s->items.front() << ", attempts "
                       << s->attempts << ", stored counts " << *counts.begin() << ".." << *counts.rbegin());
    c.retried += s->attempts > 1;
    switch (s->fate) {
      case Fate::kAcked:
        CHECK(counts == std::set<int>{1});  // exactly once
        c.acked += s->items.size();
        break;
      case Fate::kRejected:
        CHECK(counts == std::set<int>{0});
        c.rejected += s->items.size();
        break;
      case Fate::kUnknown:
        CHECK(counts.size() == 1);  // all or nothing
        CHECK(*counts.begin() <= 1);
        ++c.unknown_requests;
        if (*counts.begin() == 1) c.unknown_stored += s->items.size();
        break;
    }
  }
  CHECK(known == c.stored);  // no event nobody sent
  return c;
}

// ---------------------------------------------------------------------------
// Models: the registry as the API shows it, and what models/ holds.

struct ModelsView {
  std::string active;                // null -> empty
  std::vector<std::string> versions;  // oldest first
};

ModelsView models_view(HttpClient& c) {
  const auto res = c.get("/v1/models");
  REQUIRE(res.result_int() == 200);
  const json::value v = json::parse(res.body());
  ModelsView out;
  if (v.at("active").is_string()) out.active = std::string(v.at("active").as_string());
  for (const auto& m : v.at("models").as_array()) out.versions.emplace_back(m.at("version").as_string());
  return out;
}

// Every file in models/ is a whole checkpoint that a record names.
void check_models_dir(const std::string& data_dir, const ModelsView& view) {
  const std::set<std::string> recorded(view.versions.begin(), view.versions.end());
  for (const auto& entry : fs::directory_iterator(data_dir + "/models")) {
    const fs::path& p = entry.path();
    INFO("left in models/: " << p.filename().string());
    CHECK(p.extension() == ".sasrec");
    CHECK(recorded.count(p.stem().string()) == 1);
  }
}

// The model a recommendation comes from (empty for the fallback).
std::string serving_version(HttpClient& c) {
  const auto res = c.get("/v1/users/u1/recommendations?k=3");
  REQUIRE(res.result_int() == 200);
  const json::value v = json::parse(res.body());
  return v.at("model_version").is_string() ? std::string(v.at("model_version").as_string()) : std::string();
}

std::string start_job(HttpClient& c, int epochs) {
  const json::object options{{"epochs", epochs}, {"ffn", 64},   {"batch", 16},
                             {"lr", 0.005},      {"patience", 0}, {"activate", "always"}};
  const auto res = c.request("POST", "/v1/admin/train", json::serialize(options));
  INFO(res.body());
  REQUIRE(res.result_int() == 202);
  return std::string(json::parse(res.body()).at("job").as_string());
}

json::object job_state(HttpClient& c, const std::string& job) {
  const auto res = c.get("/v1/admin/train/" + job);
  INFO(res.body());
  REQUIRE(res.result_int() == 200);
  return json::parse(res.body()).as_object();
}

}  // namespace

TEST_CASE("serve: kill -9 at random moments under concurrent ingest loses no acknowledged event",
          "[cli][crash]") {
  const int kills = env_int("ATTNREC_CRASH_KILLS", 20);
  const uint64_t seed = static_cast<uint64_t>(env_int("ATTNREC_CRASH_SEED", int(std::random_device{}() >> 1)));
  const int clients = env_int("ATTNREC_CRASH_CLIENTS", 4);
  INFO("seed " << seed << " (ATTNREC_CRASH_SEED reproduces the kill times)");
  TempDir dir;
  const std::string data = dir.sub("data"), log = dir.sub("serve.log");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> run_ms(10, 400);

  Load load;
  Clients running(load, clients, seed * 1000);
  const auto start = Clock::now();
  double up_seconds = 0;
  uint64_t acked_before_last_kill = 0;
  for (int k = 0; k < kills; ++k) {
    ServeProcess server(ATTNREC_BINARY, serve_args(data), log);
    INFO("start " << k + 1 << ": " << server.first_line() << "\n" << log_tail(log));
    REQUIRE(server.port() != 0);  // the store opened
    load.port = server.port();
    const auto up = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(rng)));
    load.port = 0;
    REQUIRE(server.kill_now() == 128 + SIGKILL);  // it was still running: killed, not crashed
    up_seconds += seconds_since(up);
    acked_before_last_kill = load.acked_events;
  }
  // A last start: the clients finish their retries, then a clean stop.
  ServeProcess server(ATTNREC_BINARY, serve_args(data), log);
  REQUIRE(server.port() != 0);
  load.port = server.port();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  running.join();
  load.port = 0;
  server.terminate();
  REQUIRE(server.exit() == 0);
  {
    std::lock_guard lock(load.mu);
    INFO(load.first_failure);
    REQUIRE(load.failures == 0);
  }
  const Checked c = check_store(data, running.all_sent());
  std::printf(
      "crash: %d kill -9 under %d clients in %.1f s (%.1f s serving), seed %llu: %llu requests "
      "acknowledged (%llu events, %llu before the last kill), %llu retried with their ids; "
      "%llu unanswered requests without ids (%llu events stored, all or nothing); stored %llu events, "
      "every acknowledged one exactly once\n",
      kills, clients, seconds_since(start), up_seconds, static_cast<unsigned long long>(seed),
      static_cast<unsigned long long>(load.acked_requests.load()), static_cast<unsigned long long>(c.acked),
      static_cast<unsigned long long>(acked_before_last_kill), static_cast<unsigned long long>(c.retried),
      static_cast<unsigned long long>(c.unknown_requests), static_cast<unsigned long long>(c.unknown_stored),
      static_cast<unsigned long long>(c.stored));
  CHECK(c.acked == load.acked_events);
  CHECK(acked_before_last_kill > 0);
}

TEST_CASE("serve: kill -9 during a retrain and during a model activation leaves the last active model",
          "[cli][crash]") {
  const int train_kills = env_int("ATTNREC_TRAIN_KILLS", 3);
  const int activate_kills = env_int("ATTNREC_ACTIVATE_KILLS", 5);
  const uint64_t seed = static_cast<uint64_t>(env_int("ATTNREC_CRASH_SEED", int(std::random_device{}() >> 1)));
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  TempDir dir;
  const std::string data = dir.sub("data"), log = dir.sub("serve.log");
  const auto start = Clock::now();

  auto server = std::make_unique<ServeProcess>(ATTNREC_BINARY, serve_args(data), log);
  REQUIRE(server->port() != 0);
  auto client = std::make_unique<HttpClient>(local(server->port()), std::chrono::seconds(30));
  attnrec::testing::chain::load(*client);
  const auto trained = Clock::now();
  REQUIRE(attnrec::testing::chain::train(*client, json::object{{"activate", "always"}}).at("state") ==
          "succeeded");
  const double train_seconds = seconds_since(trained);
  std::string active = models_view(*client).active;
  REQUIRE(active == "v1");

  auto restart = [&] {
    client.reset();
    REQUIRE(server->kill_now() == 128 + SIGKILL);
    server = std::make_unique<ServeProcess>(ATTNREC_BINARY, serve_args(data), log);
    INFO(log_tail(log));
    REQUIRE(server->port() != 0);
    client = std::make_unique<HttpClient>(local(server->port()), std::chrono::seconds(30));
  };

  int jobs_failed = 0, jobs_finished = 0;
  for (int k = 0; k < train_kills; ++k) {
    // Even kills land mid-epoch; odd ones within a few tens of ms of a short
    // job's last batch (half an epoch of a 30-epoch run): evaluation,
    // checkpoint write, record, activation, which take about that long.
    const bool mid_epoch = k % 2 == 0;
    const int epochs = mid_epoch ? 100000 : 3;
    const std::string job = start_job(*client, epochs);
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      const json::object j = job_state(*client, job);
      if (j.at("state") != "queued" && j.at("state") != "running") break;
      const json::value& p = j.at("progress");
      const int64_t batch = p.at("batch").to_number<int64_t>();
      if (mid_epoch ? batch > 0
                    : p.at("epoch").to_number<int64_t>() == epochs && batch == p.at("batches").to_number<int64_t>()) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % (mid_epoch ? 200 : int64_t(train_seconds * 15 + 10))));
    restart();
    const json::object j = job_state(*client, job);
    const ModelsView view = models_view(*client);
    INFO("kill " << k + 1 << " during " << job << ": " << json::serialize(j));
    if (j.at("state") == "succeeded") {
      ++jobs_finished;  // it finished before the kill: its model serves
      CHECK(view.active == std::string(j.at("version").as_string()));
    } else {
      ++jobs_failed;
      CHECK(j.at("state") == "failed");
      CHECK(std::string(j.at("error").as_string()).find("interrupted") != std::string::npos);
      // Only a kill after its activation was stored may leave the new version active.
      const bool newer = !view.versions.empty() && view.active == view.versions.back() && view.active != active;
      CHECK((view.active == active || (newer && !mid_epoch)));
    }
    active = view.active;
    CHECK(serving_version(*client) == active);
    check_models_dir(data, view);
  }
  // Later training is not blocked by anything a kill left.
  REQUIRE(attnrec::testing::chain::train(*client, json::object{{"activate", "always"}}).at("state") ==
          "succeeded");
  ModelsView view = models_view(*client);
  REQUIRE(view.versions.size() >= 2);
  const std::vector<std::string> pair = {view.versions.front(), view.versions.back()};

  // Activations back and forth, killed at random moments.
  int acks = 0;
  for (int k = 0; k < activate_kills; ++k) {
    std::mutex mu;
    std::string last_acked = models_view(*client).active, in_flight;
    std::atomic<int> failures{0};
    std::thread activator([&, port = server->port()] {
      try {
        HttpClient c(local(port));
        for (int i = 0;; ++i) {
          const std::string v = pair[i % 2];
          {
            std::lock_guard lock(mu);
            in_flight = v;
          }
          const auto res = c.request("POST", "/v1/models/" + v + "/activate");
          if (res.result_int() != 200) ++failures;
          std::lock_guard lock(mu);
          last_acked = v;
          ++acks;
        }
      } catch (const std::exception&) {
        // the kill
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 300));
    restart();
    activator.join();
    CHECK(failures == 0);
    view = models_view(*client);
    INFO("kill " << k + 1 << " during activations: last acknowledged " << last_acked << ", in flight "
                 << in_flight << ", serving " << view.active);
    CHECK((view.active == last_acked || view.active == in_flight));
    CHECK(serving_version(*client) == view.active);
    check_models_dir(data, view);
  }
  // Every recorded version still loads.
  for (const std::string& v : view.versions) {
    INFO("activating " << v);
    CHECK(client->request("POST", "/v1/models/" + v + "/activate").result_int() == 200);
  }
  client.reset();
  server->terminate();
  CHECK(server->exit() == 0);
  std::printf(
      "crash: %d kill -9 during retrains (%d jobs failed as interrupted, %d had finished), %d during "
      "activations (%d activations acknowledged), %zu versions, %zu leftover files removed at start, "
      "%.1f s\n",
      train_kills, jobs_failed, jobs_finished, activate_kills, acks, view.versions.size(),
      count_lines_with(log, "removed a file left by"), seconds_since(start));
}

TEST_CASE("serve: SIGTERM under load answers requests in flight and refuses new ones and exits 0",
          "[cli][shutdown]") {
  const int clients = env_int("ATTNREC_SHUTDOWN_CLIENTS", 24);
  TempDir dir;
  const std::string data = dir.sub("data"), log = dir.sub("serve.log");
  ServeProcess server(ATTNREC_BINARY, serve_args(data), log);
  REQUIRE(server.port() != 0);
  const auto endpoint = local(server.port());

  Load load;
  load.kills = false;
  Clients running(load, clients, 42);
  load.port = server.port();
  // Readers beside the writers: recommendations keep the CPU pool busy.
  std::atomic<bool> readers_stop{false};
  std::atomic<uint64_t> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&, i] {
      try {
        HttpClient c(endpoint);
        while (!readers_stop) {
          const int status = c.get("/v1/users/c0-u" + std::to_string(i) + "/recommendations?k=5").result_int();
          if (status == 200) {
            ++reads;
          } else if (status != 503) {
            load.fail("recommendations: " + std::to_string(status));
          }
        }
      } catch (const std::exception&) {
        // closed by the shutdown
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  // One request in flight for sure: its header and half of its body are
  // sent before SIGTERM, the rest after.
  HttpClient slow(endpoint);
  const std::string body = R"({"user":"slow","item":"slow-item","id":"slow-1","ts":1600000000})";
  slow.write("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, body.size() / 2));
  HttpClient idle(endpoint);  // an idle keep-alive connection: closed by the stop
  REQUIRE(idle.get("/healthz").result_int() == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));

  const uint64_t acked_at_term = load.acked_events;
  load.terminating = true;
  const auto term = Clock::now();
  server.terminate();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // New connections are refused once the listener is closed.
  bool refused = false;
  try {
    HttpClient late(endpoint);
    refused = late.get("/healthz").result_int() == 503;
  } catch (const std::exception&) {
    refused = true;
  }
  CHECK(refused);
  slow.write(body.substr(body.size() / 2));
  const auto slow_res = slow.read();
  CHECK(slow_res.result_int() == 200);
  CHECK(idle.closed_by_peer());
  const int code = server.exit();
  const double stop_seconds = seconds_since(term);
  readers_stop = true;
  for (auto& t : readers) t.join();
  running.join();
  CHECK(code == 0);
  // The bound: ServerOptions::drain_timeout (10 s) for requests in flight,
  // plus the store's close; under this load it is far less.
  CHECK(stop_seconds < 12.0);
  CHECK(count_lines_with(log, R"("msg":"stopped")") == 1);
  {
    std::lock_guard lock(load.mu);
    INFO(load.first_failure);
    CHECK(load.failures == 0);
  }
  std::vector<Sent*> sent = running.all_sent();
  Sent slow_sent;  // the request sent across the SIGTERM
  slow_sent.items = {"slow-item"};
  slow_sent.user = "slow";
  slow_sent.first_ts = 1600000000;
  slow_sent.fate = Fate::kAcked;
  sent.push_back(&slow_sent);
  const Checked c = check_store(data, sent);
  std::printf(
      "shutdown: SIGTERM after 1.5 s of %d ingest clients and 4 readers (%llu events acknowledged, "
      "%llu recommendations): exit %d in %.2f s; %llu requests answered after SIGTERM (the half-sent "
      "one included), %llu refused (503 or connection refused), %llu connections closed unanswered; "
      "%llu acknowledged events stored exactly once\n",
      clients, static_cast<unsigned long long>(acked_at_term), static_cast<unsigned long long>(reads.load()),
      code, stop_seconds, static_cast<unsigned long long>(load.answered_after_term.load() + 1),
      static_cast<unsigned long long>(load.refused_after_term.load()),
      static_cast<unsigned long long>(load.broken_after_term.load()), static_cast<unsigned long long>(c.acked));
}

TEST_CASE("serve: SIGHUP re-reads the API keys file without a restart and keeps the keys when it is bad",
          "[cli][auth]") {
  TempDir dir;
  const std::string data = dir.sub("data"), log = dir.sub("serve.log"), keys = dir.sub("keys");
  auto write_keys = [&](const std::string& text) {
    std::ofstream(keys, std::ios::trunc) << text;
  };
  write_keys("# operators\nfirst-admin-key-0001 admin\n");
  std::vector<std::string> args = serve_args(data);
  args.insert(args.end(), {"--api-keys-file", keys});
  ServeProcess server(ATTNREC_BINARY, args, log);
  REQUIRE(server.port() != 0);
  const auto endpoint = local(server.port());
  auto status = [&](const std::string& key, std::string_view method, std::string_view target,
                    std::string body = {}) {
    HttpClient c(endpoint);
    return c.request(method, target, std::move(body), {{"Authorization", "Bearer " + key}}).result_int();
  };
  const std::string event = R"({"user":"u1","item":"i1","ts":1600000000})";
  CHECK(status("first-admin-key-0001", "POST", "/v1/events", event) == 200);
  CHECK(status("second-read-key-0002", "GET", "/v1/users/u1/history") == 401);

  // The operator swaps the keys and signals; the old key stops working, the
  // new one works with its own role, and nothing restarted (same process).
  write_keys("second-read-key-0002 read\n");
  server.send(SIGHUP);
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (status("first-admin-key-0001", "GET", "/v1/users/u1/history") != 401 && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(status("first-admin-key-0001", "GET", "/v1/users/u1/history") == 401);
  CHECK(status("second-read-key-0002", "GET", "/v1/users/u1/history") == 200);
  CHECK(status("second-read-key-0002", "POST", "/v1/events", event) == 403);

  // A file that does not parse keeps the keys in force, and says why.
  write_keys("third-key-0003 superuser\n");
  server.send(SIGHUP);
  const auto logged = Clock::now() + std::chrono::seconds(10);
  while (count_lines_with(log, "keeping the current API keys") == 0 && Clock::now() < logged) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(count_lines_with(log, "keeping the current API keys") == 1);
  CHECK(status("second-read-key-0002", "GET", "/v1/users/u1/history") == 200);
  CHECK(status("third-key-0003", "GET", "/v1/users/u1/history") == 401);
  CHECK(server.running());
}

// A string field of a log line, or "" when absent or not a string.
std::string_view text_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

// The operator's view of a running server: JSON lines on stderr, one per
// request with its route template and id, the id echoed to the client, and
// never a key. "listening on" stays plain on stdout.
TEST_CASE("serve: logs JSON lines with one access line per request, X-Request-Id echoed, no key logged",
          "[cli][log]") {
  TempDir dir;
  const std::string data = dir.sub("data"), log = dir.sub("serve.log");
  const std::string key = "secret-admin-key-4711";
  std::vector<std::string> args = serve_args(data);
  args.insert(args.end(), {"--api-key", key});
  ServeProcess server(ATTNREC_BINARY, args, log);
  REQUIRE(server.port() != 0);
  CHECK(server.first_line() == "listening on 127.0.0.1:" + std::to_string(server.port()));
  HttpClient c(local(server.port()));
  const auto health = c.request("GET", "/healthz", {}, {{"X-Request-Id", "req-42"}});
  CHECK(std::string(health["X-Request-Id"]) == "req-42");
  const auto post = c.request("POST", "/v1/events", R"({"user":"u1","item":"i1"})",
                              {{"Authorization", "Bearer " + key}});
  CHECK(post.result_int() == 200);
  const std::string made(post["X-Request-Id"]);
  CHECK(made.size() == 16);
  const auto recs = c.request("GET", "/v1/users/u1/recommendations?k=3", {}, {{"X-API-Key", key}});
  CHECK(recs.result_int() == 200);
  CHECK(std::string(recs["X-Request-Id"]) != made);
  // An id that is not a sane token is replaced, not logged.
  const auto refused = c.request("GET", "/v1/users/u1/history", {}, {{"X-Request-Id", "a b\"c"}});
  CHECK(refused.result_int() == 401);
  CHECK(std::string(refused["X-Request-Id"]).size() == 16);
  server.terminate();
  REQUIRE(server.exit() == 0);

  std::ifstream f(log);
  std::vector<boost::json::object> lines;
  for (std::string line; std::getline(f, line);) {
    INFO(line);
    CHECK(line.find(key) == std::string::npos);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    REQUIRE(!ec);
    REQUIRE(v.is_object());
    const auto& o = v.as_object();
    CHECK(text_of(o, "time").ends_with("Z"));
    CHECK(o.contains("level"));
    CHECK(o.contains("msg"));
    lines.push_back(o);
  }
  auto request_line = [&](std::string_view route, int status) -> const boost::json::object* {
    for (const auto& o : lines) {
      if (text_of(o, "msg") == "request" && text_of(o, "route") == route && o.at("status").to_number<int>() == status) {
        return &o;
      }
    }
    return nullptr;
  };
  const auto* h = request_line("/healthz", 200);
  REQUIRE(h != nullptr);
  CHECK(text_of(*h, "method") == "GET");
  CHECK(text_of(*h, "request_id") == "req-42");
  CHECK(text_of(*h, "level") == "info");
  CHECK(h->at("duration_ms").to_number<double>() >= 0);
  CHECK(h->at("bytes").to_number<int>() == int(health.body().size()));
  const auto* p = request_line("/v1/events", 200);
  REQUIRE(p != nullptr);
  CHECK(text_of(*p, "method") == "POST");
  CHECK(text_of(*p, "request_id") == made);
  REQUIRE(request_line("/v1/users/{user}/recommendations", 200) != nullptr);  // the template, not u1
  REQUIRE(request_line("/v1/users/{user}/history", 401) != nullptr);
  size_t requests = 0;
  for (const auto& o : lines) requests += text_of(o, "msg") == "request";
  CHECK(requests == 4);
  CHECK(std::any_of(lines.begin(), lines.end(), [](const auto& o) { return text_of(o, "msg") == "stopped"; }));
}

TEST_CASE("serve: --log-format text and --log-level warn", "[cli][log]") {
  TempDir dir;
  const std::string data = dir.sub("data");
  for (const std::string level : {"info", "warn"}) {
    const std::string log = dir.sub("serve-" + level + ".log");
    std::vector<std::string> args = serve_args(data);
    args.insert(args.end(), {"--log-format", "text", "--log-level", level});
    ServeProcess server(ATTNREC_BINARY, args, log);
    REQUIRE(server.port() != 0);
    HttpClient c(local(server.port()));
    CHECK(c.get("/healthz").result_int() == 200);
    server.terminate();
    REQUIRE(server.exit() == 0);
    INFO(log_tail(log));
    const size_t access = count_lines_with(log, " info request method=GET route=/healthz status=200 ");
    CHECK(access == (level == "info" ? 1u : 0u));
    CHECK(count_lines_with(log, "{\"time\"") == 0);
  }
}

// `attnrec serve`: opens the store, starts the HTTP server, and runs until
// SIGTERM/SIGINT; then stops accepting, finishes in-flight requests and
// closes the store cleanly. The one place that wires api/ to service/.
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include "api/server.h"
#include "base/log.h"
#include "cli/cli.h"
#include "model/type_policy.h"
#include "service/cluster/event_log.h"
#include "service/service.h"

namespace attnrec::cli {
namespace {

struct ServeFlags {
  service::Config config;
  std::string listen = "127.0.0.1:8080";
  api::ServerOptions server;
  std::string api_key;        // one admin key
  std::string api_keys;       // "KEY:ROLE,..." (ATTNREC_API_KEYS)
  std::string api_keys_file;  // lines "KEY ROLE"; re-read on SIGHUP
  bool allow_unauthenticated = false;
  std::string log_level = "info";
  std::string log_format = "json";
  // The event-type policy (model/type_policy.h), parsed into config.types.
  std::string positive_types{model::kDefaultPositiveTypes};
  std::string negative_types{model::kDefaultNegativeTypes};
};

// Every configured key: --api-key (admin), --api-keys / ATTNREC_API_KEYS,
// --api-keys-file. Messages never contain a key.
Result<api::ApiKeys> load_keys(const ServeFlags& f) {
  api::ApiKeys keys;
  if (!f.api_key.empty()) {
    if (Status s = keys.add(f.api_key, api::Role::kAdmin); !s.is_ok()) return s.with_prefix("--api-key: ");
  }
  if (!f.api_keys.empty()) {
    auto list = api::ApiKeys::parse_list(f.api_keys);
    if (!list) return list.status();
    if (Status s = keys.merge(list.value()); !s.is_ok()) return s.with_prefix("--api-keys: ");
  }
  if (!f.api_keys_file.empty()) {
    auto file = api::ApiKeys::read_file(f.api_keys_file);
    if (!file) return file.status();
    if (Status s = keys.merge(file.value()); !s.is_ok()) return s.with_prefix(f.api_keys_file + ": ");
  }
  return keys;
}

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return host == "localhost";
  return address.is_loopback();
}

// "HOST:PORT" or "[V6ADDR]:PORT"; false when malformed.
bool parse_listen(const std::string& text, std::string* host, uint16_t* port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string h = text.substr(0, colon);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return false;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    return false;  // a bare IPv6 address needs brackets
  }
  const std::string p = text.substr(colon + 1);
  if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  unsigned long value = 0;
  std::from_chars(p.data(), p.data() + p.size(), value);  // at most 5 digits: cannot fail
  if (value > 65535) return false;
  *host = h;
  *port = static_cast<uint16_t>(value);
  return true;
}

std::string format_endpoint(const boost::asio::ip::tcp::endpoint& ep) {
  const auto address = ep.address();
  const std::string host =
      address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(ep.port());
}

// Fills options not given by flag or environment from a TOML/INI file of
// `name = value` lines (optionally under [serve]). CLI11 2.1 reads config
// files only for the top-level app, so the serve command reads its own.
// Throws CLI::Error (unknown key, bad value, unreadable file).
void apply_config_file(CLI::App& cmd, const std::string& path, std::set<std::string>* applied) {
  CLI::ConfigTOML format;
  for (const CLI::ConfigItem& item : format.from_file(path)) {
    if (!item.parents.empty() && !(item.parents.size() == 1 && item.parents[0] == "serve")) {
      throw CLI::ConversionError("--config " + path + ": unknown section [" + item.fullname() +
                                 "]");
    }
    CLI::Option* opt = cmd.get_option_no_throw("--" + item.name);
    if (opt == nullptr || item.name == "config" || item.name == "help") {
      throw CLI::ConversionError("--config " + path + ": unknown key '" + item.name + "'");
    }
    if (opt->count() > 0) continue;  // a flag or an environment variable wins
    opt->add_result(item.inputs);
    opt->run_callback();  // validates and stores into the flag's variable
    applied->insert(opt->get_single_name());
  }
}

// True when the command line names the option (--name, --name=V, or one of
// its other names, e.g. --no-sync).
bool on_command_line(const CLI::Option& opt) {
  for (const std::string& arg : command_line()) {
    if (arg.rfind("--", 0) != 0) continue;
    const std::string name = arg.substr(2, arg.find('=') - 2);
    if (opt.check_lname(name)) return true;
    for (const std::string& alt : opt.get_fnames()) {
      if (alt == name) return true;
    }
  }
  return false;
}

// --print-config: every setting with its effective value and where it came
// from, as a config file would take it; keys masked.
void print_config(const CLI::App& cmd, const std::set<std::string>& from_file, const std::string& file) {
  static const std::set<std::string> kSkip{"help", "config", "print-config"};
  static const std::set<std::string> kSecret{"api-key", "api-keys"};
  std::cout << "# attnrec serve: the effective configuration; flags win over the environment,\n"
               "# which wins over the --config file, which wins over the defaults\n";
  for (const CLI::Option* opt : cmd.get_options()) {
    const std::string name = opt->get_single_name();
    if (name.empty() || kSkip.contains(name)) continue;
    std::string value;
    std::string source = "default";
    if (opt->count() > 0) {
      for (const std::string& r : opt->results()) value += (value.empty() ? "" : ",") + r;
      if (from_file.contains(name)) {
        source = "file " + file;
      } else if (on_command_line(*opt)) {
        source = "flag";
      } else {
        source = "env " + opt->get_envname();
      }
    } else {
      value = opt->get_default_str();
    }
    // Unset and masked values are printed commented out, so that the output
    // is a config file serve reads back.
    const bool secret = kSecret.contains(name) && !value.empty();
    if (secret) value = "****";
    const bool bare = value == "true" || value == "false" ||
                      (!value.empty() && value.find_first_not_of("0123456789.") == std::string::npos);
    std::cout << (value.empty() || secret ? "# " : "") << name << " = "
              << (bare ? value : "\"" + value + "\"") << "  # " << source << "\n";
  }
}

int run_serve(ServeFlags flags) {
  if (!parse_listen(flags.listen, &flags.server.host, &flags.server.port)) {
    std::cerr << "serve: --listen must be HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:0), got '"
              << flags.listen << "'\n";
    return 2;
  }
  auto types = model::TypePolicy::parse(flags.positive_types, flags.negative_types);
  if (!types) {
    std::cerr << "serve: --positive-types/--negative-types: " << types.error() << "\n";
    return 2;
  }
  flags.config.types = std::move(types).value();
  if (flags.config.cluster.enabled()) {
    if (const Status s = service::cluster::check_config(flags.config.cluster); !s.is_ok()) {
      std::cerr << "serve: " << s.message() << "\n";
      return 2;
    }
  }
  auto keys = load_keys(flags);
  if (!keys) {
    std::cerr << "serve: " << keys.error() << "\n";
    return 2;
  }
  if (keys.value().empty() && !is_loopback(flags.server.host) && !flags.allow_unauthenticated) {
    std::cerr << "serve: refusing to listen on " << flags.listen
              << " without API keys: anyone who can reach it could write and administer. Give "
                 "--api-key, --api-keys or --api-keys-file, or --allow-unauthenticated if that "
                 "is intended\n";
    return 2;
  }
  flags.server.api_keys = keys.value();
  // From here on, messages are log lines (the flags checked them).
  log::configure(*log::parse_level(flags.log_level), *log::parse_format(flags.log_format));
  struct LogFlush {
    ~LogFlush() { log::shutdown(); }
  } log_flush;
  // Signals first, so a SIGTERM during the open or right after "listening on" is not lost.
  boost::asio::io_context signal_ioc;
  boost::asio::signal_set signals(signal_ioc, SIGINT, SIGTERM, SIGHUP);
  int caught = 0;
  std::function<void()> on_hup;  // set once the server runs
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        if (on_hup) on_hup();
        wait_signal();
        return;
      }
      caught = sig;
    });
  };
  wait_signal();
  // Opened after the signals are caught: a SIGTERM during a long open
  // (a large store, a model to load) stops cleanly once it is done,
  // instead of killing the process.
  std::unique_ptr<service::Service> svc;
  if (const Status s = service::Service::open(flags.config, &svc); !s.is_ok()) {
    // The store, or in cluster mode the NATS streams and buckets: the
    // error says which.
    log::error(flags.config.cluster.enabled() ? "cannot start the cluster node" : "cannot open the store",
               {{"data_dir", flags.config.data_dir}, {"error", s.message()}});
    return 1;
  }
  signal_ioc.poll();  // runs the handler of a signal that came during the open
  if (caught != 0) {
    svc.reset();
    log::info("stopped before listening: a signal came while starting",
              {{"signal", caught == SIGINT ? "SIGINT" : "SIGTERM"}});
    return 0;
  }
  {
    api::Server server(*svc, flags.server);
    // SIGHUP re-reads the keys; a bad file keeps the keys in force.
    on_hup = [&] {
      auto fresh = load_keys(flags);
      if (!fresh) {
        log::warn("SIGHUP: keeping the current API keys", {{"error", fresh.error()}});
        return;
      }
      log::info("SIGHUP: API keys re-read", {{"keys", uint64_t(fresh.value().size())}});
      server.reload_keys(std::move(fresh).value());
    };
    if (const Status s = server.start(); !s.is_ok()) {
      log::error("cannot start the server", {{"error", s.message()}});
      return 1;
    }
    const std::string address = format_endpoint(server.local_endpoint());
    log::info("listening", {{"address", address}, {"data_dir", flags.config.data_dir}});
    if (flags.config.cluster.enabled()) {
      log::info("cluster node", {{"node", flags.config.cluster.node},
                                 {"nodes", uint64_t(flags.config.cluster.nodes.size())},
                                 {"shards", uint64_t(flags.config.cluster.shards)}});
    }
    std::cout << "listening on " << address << std::endl;
    signal_ioc.run();
    log::info("stopping; finishing requests in flight", {{"signal", caught == SIGINT ? "SIGINT" : "SIGTERM"}});
    server.stop();
  }
  svc.reset();  // closes the store cleanly (flushes, releases the lock)
  log::info("stopped");
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve the HTTP API on an embedded store. Every flag can also come from an "
      "ATTNREC_* environment variable (ATTNREC_DATA_DIR, ATTNREC_LISTEN, ...) or the "
      "--config file; flags win over the environment, which wins over the file.");
  auto config_file = std::make_shared<std::string>();
  cmd->add_option("--config", *config_file,
                  "Read flags from a TOML/INI file: one `name = value` per line, e.g. "
                  "listen = \"0.0.0.0:8080\" (names as the long flags, without --)")
      ->envname("ATTNREC_CONFIG")
      ->check(CLI::ExistingFile);
  cmd->add_option("--log-level", flags->log_level,
                  "debug | info | warn | error | off; info logs one line per request")
      ->envname("ATTNREC_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  cmd->add_option("--log-format", flags->log_format,
                  "json (one object per line: time, level, msg, fields) | text")
      ->envname("ATTNREC_LOG_FORMAT")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  cmd->add_option("--data-dir", flags->config.data_dir, "Directory of the store")
      ->envname("ATTNREC_DATA_DIR")
      ->capture_default_str();
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->envname("ATTNREC_LISTEN")
      ->capture_default_str();
  cmd->add_option("--threads", flags->server.io_threads, "I/O threads")
      ->envname("ATTNREC_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--workers", flags->server.workers,
                  "Worker threads for requests that read or write the store and may wait on "
                  "an fsync (catalog writes, erase, ingest bodies over 16 KiB; smaller ingest "
                  "is queued from the I/O thread to the store's committer)")
      ->envname("ATTNREC_WORKERS")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--cpu-threads", flags->server.cpu_threads,
                  "Threads for model work (recommendations, rank, search); 0 = one per core")
      ->envname("ATTNREC_CPU_THREADS")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--max-cpu-queue", flags->server.max_cpu_queue,
                  "Model requests queued or running at most; beyond, 429 with Retry-After")
      ->envname("ATTNREC_MAX_CPU_QUEUE")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--encoder-cache", flags->config.encoder_cache_users,
                  "Users whose encoder output and history are cached (LRU, ~4 bytes per d and per history item each; 0 = off)")
      ->envname("ATTNREC_ENCODER_CACHE")
      ->check(CLI::Range(size_t{0}, size_t{1} << 32))
      ->capture_default_str();
  static const std::map<std::string, attnrec::model::IndexKind> kIndexKinds{
      {"exact", attnrec::model::IndexKind::kExact},
      {"hnsw", attnrec::model::IndexKind::kHnsw},
      {"auto", attnrec::model::IndexKind::kAuto}};
  cmd->add_option("--item-index", flags->config.item_index.kind,
                  "exact | hnsw | auto (HNSW from " +
                      std::to_string(attnrec::model::IndexOptions{}.auto_hnsw_items) +
                      " items up)")
      ->envname("ATTNREC_ITEM_INDEX")
      ->transform(CLI::CheckedTransformer(kIndexKinds, CLI::ignore_case))
      ->default_str("auto");
  cmd->add_option("--positive-types", flags->positive_types,
                  "Event types that enter the history the model reads, TYPE[:WEIGHT],... (loss "
                  "weight, default 1); * = every type that is not negative; types in neither list "
                  "are ignored")
      ->envname("ATTNREC_POSITIVE_TYPES")
      ->capture_default_str();
  cmd->add_option("--negative-types", flags->negative_types,
                  "Event types that never enter the history; an item a user marked so is never "
                  "recommended to that user again (empty = none)")
      ->envname("ATTNREC_NEGATIVE_TYPES")
      ->capture_default_str();
  cmd->add_flag("--sync,!--no-sync", flags->config.sync_writes,
                "fsync the WAL before acknowledging an ingest (default on)")
      ->envname("ATTNREC_SYNC")
      ->default_str(flags->config.sync_writes ? "true" : "false");
  cmd->add_option("--api-key", flags->api_key,
                  "One admin API key (Authorization: Bearer KEY or X-API-Key)")
      ->envname("ATTNREC_API_KEY");
  cmd->add_option("--api-keys", flags->api_keys,
                  "API keys with roles, KEY:ROLE,KEY:ROLE (ROLE read < write < admin)")
      ->envname("ATTNREC_API_KEYS");
  cmd->add_option("--api-keys-file", flags->api_keys_file,
                  "A file of `KEY ROLE` lines (# comments), re-read on SIGHUP")
      ->envname("ATTNREC_API_KEYS_FILE")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--allow-unauthenticated", flags->allow_unauthenticated,
                "Listen beyond loopback without API keys")
      ->envname("ATTNREC_ALLOW_UNAUTHENTICATED")
      ->default_str("false");
  cmd->add_flag("--metrics-need-key", flags->server.metrics_need_key,
                "/metrics asks for a read key too (open by default, for scrapers)")
      ->envname("ATTNREC_METRICS_NEED_KEY")
      ->default_str("false");
  cmd->add_option("--max-body", flags->server.body_limit,
                  "Largest request body, bytes (suffixes k, m: 1024-based)")
      ->envname("ATTNREC_MAX_BODY")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(size_t{1}, size_t{1} << 32))
      ->capture_default_str();
  cmd->add_option("--max-header", flags->server.header_limit,
                  "Largest request header, bytes (suffixes k, m); 431 beyond")
      ->envname("ATTNREC_MAX_HEADER")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(size_t{1024}, size_t{1} << 24))
      ->capture_default_str();
  cmd->add_option("--max-connections", flags->server.max_connections,
                  "Open connections at most; one more is answered 503 and closed (keep below "
                  "the open-files limit, ulimit -n)")
      ->envname("ATTNREC_MAX_CONNECTIONS")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  // Timeouts in seconds, fractions allowed.
  auto add_timeout = [&](const std::string& name, const std::string& env,
                         std::chrono::milliseconds* out, const std::string& what) {
    const auto seconds = std::chrono::duration<double>(*out).count();
    cmd->add_option_function<double>(
           name, [out](double s) { *out = std::chrono::milliseconds(std::llround(s * 1000)); }, what)
        ->envname(env)
        ->check(CLI::Range(0.001, 86400.0))
        ->default_str(CLI::detail::to_string(seconds));
  };
  add_timeout("--header-timeout", "ATTNREC_HEADER_TIMEOUT", &flags->server.header_timeout,
              "Seconds a request's header may take from its first byte, and a new connection "
              "may stay silent (slowloris); the connection is closed after");
  add_timeout("--read-timeout", "ATTNREC_READ_TIMEOUT", &flags->server.read_timeout,
              "Seconds a whole request (header and body) may take from its first byte");
  add_timeout("--idle-timeout", "ATTNREC_IDLE_TIMEOUT", &flags->server.idle_timeout,
              "Seconds a keep-alive connection may wait for its next request");
  add_timeout("--write-timeout", "ATTNREC_WRITE_TIMEOUT", &flags->server.write_timeout,
              "Seconds a client may take to read a response");
  cmd->add_option("--max-batch", flags->config.max_batch_events, "Most events per ingest request")
      ->envname("ATTNREC_MAX_BATCH")
      ->check(CLI::Range(size_t{1}, size_t{1000000}))
      ->capture_default_str();
  // Retraining: the schedule, the budget of each job and the activation rule.
  cmd->add_option("--retrain-every-minutes", flags->config.retrain_every_minutes,
                  "Retrain in the background every N minutes (0 = never)")
      ->envname("ATTNREC_RETRAIN_EVERY_MINUTES")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--retrain-every-events", flags->config.retrain_every_events,
                  "Retrain in the background after N new events (0 = never)")
      ->envname("ATTNREC_RETRAIN_EVERY_EVENTS")
      ->capture_default_str();
  cmd->add_option("--train-threads", flags->config.train.threads,
                  "Threads of a background retrain (it runs at low CPU priority)")
      ->envname("ATTNREC_TRAIN_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--train-max-minutes", flags->config.train.max_minutes,
                  "Wall-clock budget of a background retrain (0 = none)")
      ->envname("ATTNREC_TRAIN_MAX_MINUTES")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--activate-margin", flags->config.activate_margin,
                  "Activate a retrained model when its validation NDCG@10 is at least the live "
                  "model's minus this")
      ->envname("ATTNREC_ACTIVATE_MARGIN")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_flag("--activate-always", flags->config.activate_always,
                "Activate every retrained model, better or not")
      ->envname("ATTNREC_ACTIVATE_ALWAYS")
      ->default_str("false");
  // Cluster mode (docs/scale-out.md); without --nats none of these is used.
  cmd->add_option("--nats", flags->config.cluster.nats,
                  "Run as a node of a cluster on these NATS JetStream servers, "
                  "nats://HOST:PORT,... (default: none, the embedded store alone)")
      ->envname("ATTNREC_NATS")
      ->delimiter(',');
  cmd->add_option("--nodes", flags->config.cluster.nodes,
                  "Cluster mode: every node's name, NAME,..., in the same order on every node "
                  "(it decides which node owns which shard)")
      ->envname("ATTNREC_NODES")
      ->delimiter(',');
  cmd->add_option("--node", flags->config.cluster.node, "Cluster mode: this node's name, one of --nodes")
      ->envname("ATTNREC_NODE");
  cmd->add_option("--shards", flags->config.cluster.shards,
                  "Cluster mode: user shards, the same on every node and fixed when the cluster "
                  "is created")
      ->envname("ATTNREC_SHARDS")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--nats-replicas", flags->config.cluster.replicas,
                  "Cluster mode: replicas of the event stream; 0 = min(3, servers in --nats)")
      ->envname("ATTNREC_NATS_REPLICAS")
      ->check(CLI::Range(0, 5))
      ->capture_default_str();
  auto print = std::make_shared<bool>(false);
  cmd->add_flag("--print-config", *print,
                "Print the effective configuration (keys masked) and where each value came from, "
                "then exit");
  cmd->callback([flags, config_file, cmd, print] {
    std::set<std::string> from_file;
    if (!config_file->empty()) apply_config_file(*cmd, *config_file, &from_file);
    if (*print) {
      print_config(*cmd, from_file, *config_file);
      return;
    }
    const int code = run_serve(*flags);
    // Everything serve opened is closed by now; leave with its code.
    std::cout.flush();
    if (code != 0) std::exit(code);
  });
}

}  // namespace attnrec::cli

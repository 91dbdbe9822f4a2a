// bench/ingest: durable ingest throughput over HTTP, client included.
//
// Starts `attnrec serve` on a fresh data directory (port 0, WAL fsync on ack,
// the default), then drives POST /v1/events from C keep-alive connections on
// one client thread (async, so the client costs little CPU) for a fixed time,
// once with batches of B events and once with single events. Every response
// must be 200 with the expected "accepted" count; any other answer fails the
// run. Prints one table row per mode.
//
//   build/bench/ingest/ingest_bench --attnrec build/attnrec [--seconds 10]
//       [--connections 64] [--batch 100] [--threads 2] [--keep DIR]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string attnrec = "build/attnrec";
  double seconds = 10;
  int connections = 64;
  int batch = 100;
  int threads = 2;
  std::string keep;  // keep the data dir here instead of a temp dir
};

[[noreturn]] void die(const std::string& msg) {
  std::cerr << "ingest_bench: " << msg << '\n';
  std::exit(1);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + k);
      return argv[++i];
    };
    if (k == "--attnrec") a.attnrec = val();
    else if (k == "--seconds") a.seconds = std::stod(val());
    else if (k == "--connections") a.connections = std::stoi(val());
    else if (k == "--batch") a.batch = std::stoi(val());
    else if (k == "--threads") a.threads = std::stoi(val());
    else if (k == "--keep") a.keep = val();
    else if (k == "--help" || k == "-h") {
      std::cout << "usage: ingest_bench [--attnrec PATH] [--seconds S] [--connections C] "
                   "[--batch B] [--threads N] [--keep DIR]\n";
      std::exit(0);
    } else die("unknown flag " + k);
  }
  return a;
}

// The server under test, as a child process; killed (SIGTERM) on destruction.
struct Server {
  pid_t pid = -1;
  std::string host;
  unsigned short port = 0;

  Server(const Args& a, const std::string& dir) {
    int fds[2];
    if (pipe(fds) != 0) die("pipe failed");
    pid = fork();
    if (pid == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      const std::string threads = std::to_string(a.threads);
      execl(a.attnrec.c_str(), a.attnrec.c_str(), "serve", "--data-dir", dir.c_str(), "--listen",
            "127.0.0.1:0", "--threads", threads.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[256];
    while (std::fgets(line, sizeof line, out)) {
      std::string s(line);
      if (s.rfind("listening on ", 0) == 0) {
        s = s.substr(13);
        s.erase(s.find_last_not_of("\r\n") + 1);
        const auto colon = s.rfind(':');
        host = s.substr(0, colon);
        port = static_cast<unsigned short>(std::stoi(s.substr(colon + 1)));
        return;
      }
    }
    die("server did not print 'listening on HOST:PORT' (is " + a.attnrec + " built?)");
  }
  ~Server() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  }
};

struct Stats {
  uint64_t requests = 0;
  uint64_t events = 0;
  uint64_t failures = 0;
  std::vector<double> latencies_us;
};

// One keep-alive connection sending POST /v1/events in a loop until the deadline.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, tcp::endpoint ep, int batch, int conn_id, Clock::time_point end,
             Stats& stats)
      : socket_(io), ep_(ep), batch_(batch), conn_id_(conn_id), end_(end), stats_(stats) {}

  void start() {
    socket_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) die("connect: " + ec.message());
      self->socket_.set_option(tcp::no_delay(true));
      self->send();
    });
  }

 private:
  std::string body() {
    // Distinct users and items, realistic ids, an idempotency key per event.
    std::string b = batch_ > 1 ? "{\"events\":[" : "";
    for (int i = 0; i < batch_; ++i) {
      const uint64_t n = seq_++;
      if (i) b += ',';
      b += "{\"user\":\"u" + std::to_string(conn_id_ * 1000 + static_cast<int>(n % 1000)) +
           "\",\"item\":\"i" + std::to_string((n * 2654435761u) % 20000) +
           "\",\"type\":\"view\",\"id\":\"c" + std::to_string(conn_id_) + "-" + std::to_string(n) + "\"}";
    }
    if (batch_ > 1) b += "]}";
    return b;
  }

  void send() {
    if (Clock::now() >= end_) {
      beast::error_code ec;
      socket_.shutdown(tcp::socket::shutdown_both, ec);
      return;
    }
    req_ = {http::verb::post, "/v1/events", 11};
    req_.set(http::field::host, "127.0.0.1");
    req_.set(http::field::content_type, "application/json");
    req_.body() = body();
    req_.prepare_payload();
    started_ = Clock::now();
    http::async_write(socket_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) die("write: " + ec.message());
      self->res_ = {};
      http::async_read(self->socket_, self->buf_, self->res_,
                       [self](beast::error_code ec2, size_t) { self->on_read(ec2); });
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) die("read: " + ec.message());
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - started_).count();
    const std::string expect = "\"accepted\":" + std::to_string(batch_);
    if (res_.result() != http::status::ok || res_.body().find(expect) == std::string::npos) {
      ++stats_.failures;
      std::cerr << "unexpected response " << res_.result_int() << ": " << res_.body() << '\n';
    } else {
      ++stats_.requests;
      stats_.events += static_cast<uint64_t>(batch_);
      stats_.latencies_us.push_back(us);
    }
    send();
  }

  tcp::socket socket_;
  tcp::endpoint ep_;
  int batch_;
  int conn_id_;
  Clock::time_point end_;
  Stats& stats_;
  uint64_t seq_ = 0;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  Clock::time_point started_;
};

Stats run(const Server& server, int connections, int batch, double seconds, int id_base) {
  asio::io_context io;
  Stats stats;
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(seconds));
  tcp::endpoint ep(asio::ip::make_address(server.host), server.port);
  for (int c = 0; c < connections; ++c) {
    std::make_shared<Connection>(io, ep, batch, id_base + c, end, stats)->start();
  }
  io.run();
  return stats;
}

void report(const char* mode, int batch, int connections, const Stats& s, double seconds) {
  auto lat = s.latencies_us;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
  };
  std::printf("| %-13s | %5d | %11d | %12.0f | %10.0f | %8.2f | %8.2f | %8llu |\n", mode, batch,
              connections, s.events / seconds, s.requests / seconds, pct(0.5) / 1000,
              pct(0.99) / 1000, static_cast<unsigned long long>(s.failures));
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  std::string dir = args.keep;
  if (dir.empty()) {
    char tmpl[] = "/tmp/attnrec-ingest-XXXXXX";
    if (!mkdtemp(tmpl)) die("mkdtemp failed");
    dir = tmpl;
  }
  int failures = 0;
  {
    Server server(args, dir);
    std::printf("server: %s serve --threads %d (sync writes), data dir %s\n", args.attnrec.c_str(),
                args.threads, dir.c_str());
    std::printf("| mode          | batch | connections | events/s     | requests/s | p50 ms   | p99 ms   | failures |\n");
    std::printf("|---------------|-------|-------------|--------------|------------|----------|----------|----------|\n");
    // Warm-up: creates the store's files and the first ids.
    run(server, 4, args.batch, 1.0, 100000);
    Stats batched = run(server, args.connections, args.batch, args.seconds, 0);
    report("batched", args.batch, args.connections, batched, args.seconds);
    Stats single = run(server, args.connections, 1, args.seconds, 50000);
    report("single-event", 1, args.connections, single, args.seconds);
    failures = static_cast<int>(batched.failures + single.failures);
  }
  if (args.keep.empty()) std::filesystem::remove_all(dir);
  return failures == 0 ? 0 : 1;
}

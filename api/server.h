// The HTTP server: an acceptor, one session per connection (keep-alive,
// bounded pipelining, per-request limits and timeouts), N I/O threads on one
// io_context, and two pools for handlers (api/router.h's Pool): many
// workers for handlers that touch the store and may wait on a shared fsync,
// and about one thread per core for model work (forwards, catalog scans),
// so CPU-bound requests never queue behind fsync waits or oversubscribe the
// cores. Each pool's queue is bounded: beyond it, 429 with Retry-After.
// I/O threads run only parsing, routing and cheap handlers. Modelled on
// Beast's advanced server example.
//
// Thread safety: start() and stop() from one controlling thread (not an I/O
// or worker thread of this server). local_endpoint() after start() from any
// thread. The Service must outlive the Server; stop() (or the destructor)
// returns only when no thread of this server uses it any more.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "api/auth.h"
#include "base/status.h"

namespace attnrec::service { class Service; }

namespace attnrec::api {

struct ServerOptions {
  std::string host = "127.0.0.1";  // address or name to bind
  uint16_t port = 8080;            // 0 picks a free port (see local_endpoint)
  size_t io_threads = 2;           // threads running the io_context
  // Threads running store-touching handlers. Many, because ingest waits on a
  // shared group-commit fsync: concurrent writers are what make it fast
  // (requests/s is at most workers / fsync latency, ~5 ms on this disk).
  size_t workers = 128;
  // Threads running model work; 0: one per core.
  size_t cpu_threads = 0;
  size_t body_limit = 4 << 20;     // 413 beyond (Content-Length or chunked)
  size_t header_limit = 16 << 10;  // 431 beyond
  // A request's header must arrive within this once its first byte has, and
  // a new connection must start its first request within it: a client
  // trickling its header (slowloris) holds a connection this long at most.
  std::chrono::milliseconds header_timeout{10'000};
  // A request must arrive completely (header and body) within this once its
  // first byte has.
  std::chrono::milliseconds read_timeout{30'000};
  // A keep-alive connection may wait this long for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  // A response must be taken by the client within this (slow readers).
  std::chrono::milliseconds write_timeout{30'000};
  // Open connections, server-wide. One more is answered 503 with the JSON
  // error and Retry-After, then closed. Keep below the open-files limit.
  size_t max_connections = 4096;
  // stop() waits this long for in-flight requests before closing by force.
  std::chrono::milliseconds drain_timeout{10'000};
  // Requests read ahead of their responses on one connection (pipelining);
  // the session stops reading while this many are queued.
  size_t max_pipelined = 16;
  // Requests queued for or running on the workers, server-wide; 429 beyond.
  size_t max_in_flight = 8192;
  // Requests queued for or running on the CPU pool; 429 beyond. Bounds the
  // queueing delay: at ~0.2 ms a request on 2 cores, 1024 waiting is ~0.1 s.
  size_t max_cpu_queue = 1024;
  ApiKeys api_keys;               // empty: no authentication (api/auth.h)
  bool metrics_need_key = false;  // /metrics asks for a `read` key too
};

class Server {
 public:
  Server(service::Service& rec, ServerOptions options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the threads. kUnavailable when the address
  // cannot be bound (message says why). Call once.
  Status start();

  // The bound address (the real port when options.port was 0).
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Graceful stop: stops accepting, answers requests already read (new ones
  // on open connections get 503 and the connection closes), closes idle
  // connections, waits up to drain_timeout, closes the rest, joins all
  // threads. Idempotent.
  void stop();

  // Swaps in new API keys (SIGHUP) without a restart; thread-safe.
  void reload_keys(ApiKeys keys);

  struct State;  // shared with the listener and sessions (server.cpp)

 private:
  std::unique_ptr<State> state_;
};

}  // namespace attnrec::api

#include "api/server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "api/connection.h"
#include "api/dispatcher.h"
#include "api/request_id.h"
#include "base/log.h"
#include "api/responses.h"
#include "service/service.h"

namespace attnrec::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Finalizes a response made on a pool thread. Nothing may leave an Asio
// handler or a pool task by exception (the dispatcher already turns a
// handler's into a 500): if finalizing throws, a bare 500 that closes.
HttpResponse finalized(const HttpRequest& req, HttpResponse res) {
  try {
    finalize_response(req, res);
    return res;
  } catch (const std::exception& e) {
    log_error(std::string("answering a request failed: ") + e.what());
  } catch (...) {
    log_error("answering a request failed");
  }
  HttpResponse error{http::status::internal_server_error, req.version()};
  error.keep_alive(false);
  return error;
}

class Session;
constexpr size_t kDrainMax = 1 << 20;    // unread body bytes swallowed before closing
// An inline asynchronous route (ingest) decodes bodies up to this size on
// the I/O thread (a batch of 100 events is ~6 KB, ~20 us to parse); larger
// ones go to the I/O pool.
constexpr size_t kInlineBodyBytes = 16 << 10;
// After a failed accept (out of descriptors): the pause before the next, so
// the acceptor does not spin while the condition lasts.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
}  // namespace

// Everything the listener and sessions share. Owned by Server; lives until
// every session is gone (stop() waits for that, or destroys the io_context,
// which destroys the remaining sessions, before the rest of this struct).
struct Server::State {
  State(service::Service& r, ServerOptions o)
      : svc(r),
        options(std::move(o)),
        dispatcher(r, DispatcherOptions{options.api_keys, options.metrics_need_key}),
        pool(std::max<size_t>(1, options.workers)),
        cpu_pool(cpu_threads(options)),
        ioc(static_cast<int>(std::max<size_t>(1, options.io_threads))),
        acceptor(asio::make_strand(ioc)) {}

  void add(Session* s) {
    std::lock_guard lock(mu);
    sessions.insert(s);
  }
  void remove(Session* s) {
    std::lock_guard lock(mu);
    sessions.erase(s);
    if (sessions.empty()) cv.notify_all();
  }

  service::Service& svc;
  const ServerOptions options;
  Dispatcher dispatcher;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> in_flight{0};  // requests posted to the I/O pool, not yet answered
  std::atomic<size_t> cpu_in_flight{0};  // requests posted to the CPU pool, not yet answered
  std::atomic<size_t> connections{0};  // live sessions (the max_connections cap)
  std::atomic<size_t> refusing{0};     // connections being refused (refuse_connection)
  RequestIds request_ids;

  static size_t cpu_threads(const ServerOptions& o) {
    if (o.cpu_threads > 0) return o.cpu_threads;
    return std::max<size_t>(1, std::thread::hardware_concurrency());
  }

  std::mutex mu;
  std::condition_variable cv;
  std::unordered_set<Session*> sessions;  // guarded by mu

  // Destroyed in reverse order: the acceptor, then the io_context (and with
  // it any handler still holding a session), then the (joined) pools.
  asio::thread_pool pool;      // Pool::kIo
  asio::thread_pool cpu_pool;  // Pool::kCpu
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry{acceptor.get_executor()};  // on the acceptor's strand
  tcp::endpoint endpoint;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;
};

namespace {

// One connection. Owns its socket and parser; every member function runs on
// the connection's strand. Lifetime: shared_from_this held by pending
// operations and by worker tasks of its requests.
//
// Flow: do_read waits for the first byte of a request (idle timeout), then
// reads the header and the body under one request deadline; the request is
// routed and answered inline or on the pool; responses go out in request
// order from a bounded queue, while the next request is already being read.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Server::State& st) : stream_(std::move(socket)), st_(st) {
    st_.add(this);
    ++st_.connections;
  }
  ~Session() {
    --st_.connections;
    st_.remove(this);
  }

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->st_.stopping) return self->close();  // accepted while stopping
      self->do_read();
    });
  }

  // Graceful: finish the request being received (if any) and answer every
  // request read so far, then close. Posted by Server::stop.
  void shutdown() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      self->read_closed_ = true;
      self->began_before_stop_ = self->in_request_;
      if (self->idle()) self->close();
    });
  }

  // Forced: after the drain timeout.
  void force_close() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

 private:
  // A request read, waiting for (or holding) its response.
  struct Slot {
    uint64_t seq = 0;
    Clock::time_point start;
    std::string method;
    std::string_view label = kUnmatchedRoute;
    std::string request_id;  // the client's X-Request-Id, or one made here
    std::optional<HttpResponse> res;
  };

  void do_read() {
    if (read_closed_ || reading_ || queue_.size() >= st_.options.max_pipelined) return;
    parser_.emplace();
    parser_->body_limit(st_.options.body_limit);
    parser_->header_limit(static_cast<uint32_t>(st_.options.header_limit));
    reading_ = true;
    if (buffer_.size() > 0) return start_request();
    // Wait for the first byte of the next request. The stream's own timer
    // stays off for this wait: it would also cut the answers still being
    // worked on. The idle timer runs only while there is nothing to answer.
    stream_.expires_never();
    arm_idle_timer();
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->on_first_bytes(ec, n);
                            });
  }

  void on_first_bytes(beast::error_code ec, size_t n) {
    cancel_idle_timer();
    if (ec) {
      reading_ = false;
      return on_read_error(ec);
    }
    buffer_.commit(n);
    start_request();
  }

  void start_request() {
    in_request_ = true;
    request_start_ = Clock::now();
    request_deadline_ = request_start_ + st_.options.read_timeout;
    // The header has the shorter deadline (slowloris); on_header re-arms
    // the timer with the request's.
    stream_.expires_at(std::min(request_start_ + st_.options.header_timeout, request_deadline_));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      reading_ = false;
      return on_read_error(ec);
    }
    if (parser_->is_done()) {
      reading_ = false;
      return on_request();
    }
    // The body is within limits: tell a client waiting on "Expect:
    // 100-continue" to send it (unless a response is being written; the
    // client then sends after its own short wait).
    const auto& req = parser_->get();
    if (auto it = req.find(http::field::expect);
        it != req.end() && beast::iequals(it->value(), "100-continue") && !writing_) {
      writing_ = true;
      continue_.emplace(http::status::continue_, 11);
      stream_.expires_after(st_.options.write_timeout);
      http::async_write(stream_, *continue_,
                        [self = shared_from_this()](beast::error_code wec, size_t) {
                          self->writing_ = false;
                          if (wec) return self->close();
                          self->do_write();
                        });
    }
    stream_.expires_at(request_deadline_);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code rec, size_t) {
                       self->reading_ = false;
                       if (rec) return self->on_read_error(rec);
                       self->on_request();
                     });
  }

  void on_read_error(beast::error_code ec) {
    read_closed_ = true;
    in_request_ = false;
    std::optional<HttpResponse> res;
    if (ec == http::error::body_limit) {
      res = error_response(http::status::payload_too_large, "payload_too_large",
                           "request body over " + std::to_string(st_.options.body_limit) +
                               " bytes");
    } else if (ec == http::error::header_limit) {
      res = error_response(http::status::request_header_fields_too_large, "header_too_large",
                           "request header over " + std::to_string(st_.options.header_limit) +
                               " bytes");
    } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      res = error_response(http::status::bad_request, "bad_request",
                           "malformed HTTP request: " + ec.message());
    }
    // Otherwise the peer went away, we closed, or a timeout fired (which has
    // closed the socket already, so a 408 could not be sent): nothing to say.
    if (!res) {
      if (idle()) close();
      return;
    }
    // Answer the broken request; the unread rest of it makes the connection
    // unusable, so close after.
    Slot& slot = push_slot();
    const HttpRequest& partial = parser_->get();
    slot.method = std::string(partial.method_string());
    slot.request_id = st_.request_ids.of(partial);
    if (auto routed = st_.dispatcher.route(partial); routed.route) slot.label = routed.label;
    HttpRequest head;  // only version and method matter for finalize
    head.version(partial.version() == 10 ? 10 : 11);
    head.keep_alive(false);
    finalize_response(head, *res);
    unread_body_ = true;
    complete(slot.seq, std::move(*res));
  }

  Slot& push_slot() {
    Slot& slot = queue_.emplace_back();
    slot.seq = next_seq_++;
    slot.start = request_start_;
    return slot;
  }

  void on_request() {
    auto req = std::make_shared<HttpRequest>(parser_->release());
    in_request_ = false;
    if (!req->keep_alive()) read_closed_ = true;
    Slot& slot = push_slot();
    slot.method = std::string(req->method_string());
    slot.request_id = st_.request_ids.of(*req);
    const uint64_t seq = slot.seq;
    Dispatcher::Routed routed = st_.dispatcher.route(*req);
    slot.label = routed.label;
    // Requests begun before the stop are served; later ones (pipelined
    // behind them) are refused so the connection can close.
    const bool refuse = stopping_ && !began_before_stop_;
    began_before_stop_ = false;
    if (refuse) {
      routed.early = error_response(http::status::service_unavailable, "shutting_down",
                                    "the server is shutting down");
    } else if (!routed.early && (routed.pool() != Pool::kInline || routed.route->async_handler)) {
      // Admission: each pool's queue is bounded (an asynchronous route's
      // answers wait in the I/O pool's count); a full one answers 429.
      const bool cpu = routed.pool() == Pool::kCpu;
      std::atomic<size_t>& counter = cpu ? st_.cpu_in_flight : st_.in_flight;
      const size_t limit = cpu ? st_.options.max_cpu_queue : st_.options.max_in_flight;
      if (counter.fetch_add(1) >= limit) {
        counter.fetch_sub(1);
        routed.early = error_response(http::status::too_many_requests, "overloaded",
                                      "too many requests in flight; retry shortly");
        routed.early->set(http::field::retry_after, "1");
      }
    }
    if (routed.early) {
      finalize_response(*req, *routed.early);
      complete(seq, std::move(*routed.early), routed.series);
    } else if (routed.pool() == Pool::kInline && !routed.route->async_handler) {
      complete(seq, finalized(*req, st_.dispatcher.run(*req, routed)), routed.series);
    } else {
      const bool cpu = routed.pool() == Pool::kCpu;
      // An asynchronous route is answered from whichever thread completes it
      // (the store's committer for ingest), and no thread waits. An inline
      // one starts here, on the I/O thread, unless its body is large enough
      // to keep this thread from its other connections for long.
      const bool here = routed.pool() == Pool::kInline && req->body().size() <= kInlineBodyBytes;
      auto task = [self = shared_from_this(), seq, req, cpu, routed = std::move(routed)]() mutable {
        auto* series = routed.series;
        self->st_.dispatcher.run_async(*req, routed, [self, seq, req, cpu, series](HttpResponse res) {
          self->deliver(seq, cpu, series, finalized(*req, std::move(res)));
        });
      };
      if (here) {
        task();
      } else {
        asio::post(cpu ? st_.cpu_pool : st_.pool, std::move(task));
      }
    }
    do_read();  // pipelining: read the next request while this one is answered
  }

  // From a pool thread (or the store's): hands the answer for request `seq`
  // to this connection's strand and frees its place in the pool's queue.
  void deliver(uint64_t seq, bool cpu, service::Metrics::RequestSeries* series, HttpResponse res) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), seq, cpu, series, res = std::move(res)]() mutable {
      (cpu ? self->st_.cpu_in_flight : self->st_.in_flight).fetch_sub(1);
      self->complete(seq, std::move(res), series);
    });
  }

  // A response is ready for request `seq`.
  void complete(uint64_t seq, HttpResponse res,
                service::Metrics::RequestSeries* series = nullptr) {
    Slot& slot = queue_[seq - queue_.front().seq];
    const double seconds = std::chrono::duration<double>(Clock::now() - slot.start).count();
    if (series) {
      st_.svc.metrics().observe(series, res.result_int(), seconds);
    } else {
      st_.svc.metrics().observe_request(slot.method, slot.label, res.result_int(), seconds);
    }
    res.set("X-Request-Id", slot.request_id);
    // Which node answered, behind a proxy (cluster mode only).
    if (const service::ClusterConfig& cc = st_.svc.config().cluster; cc.enabled()) {
      res.set("X-Attnrec-Node", cc.node);
    }
    if (log::enabled(log::Level::kInfo)) {
      log::info("request", {{"method", slot.method},
                            {"route", slot.label},
                            {"status", int(res.result_int())},
                            {"duration_ms", seconds * 1e3},
                            {"bytes", uint64_t(res.body().size())},
                            {"request_id", slot.request_id}});
    }
    slot.res = std::move(res);
    do_write();
  }

  void do_write() {
    if (writing_ || queue_.empty() || !queue_.front().res) return;
    HttpResponse& res = *queue_.front().res;
    // The last answer before closing says so.
    if (queue_.size() == 1 && closing_after_queue()) res.keep_alive(false);
    writing_ = true;
    stream_.expires_after(st_.options.write_timeout);
    http::async_write(stream_, res,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) return close();
    const bool eof = queue_.front().res->need_eof();
    queue_.pop_front();
    if (eof) return finish();
    if (queue_.empty() && closing_after_queue()) return finish();
    do_write();
    do_read();  // resumes reading if the queue had been full
    arm_idle_timer();  // if that was the last answer and no request has begun
  }

  // Starts the keep-alive timer when the connection has nothing to answer
  // and waits for a request's first byte. A connection that has sent
  // nothing yet gets the header timeout: opening connections and staying
  // silent must not hold them for the keep-alive time.
  void arm_idle_timer() {
    if (!reading_ || in_request_ || !queue_.empty() || writing_ || read_closed_) return;
    const uint64_t armed = ++idle_generation_;
    idle_timer_.expires_after(next_seq_ == 0 ? st_.options.header_timeout
                                             : st_.options.idle_timeout);
    idle_timer_.async_wait([self = shared_from_this(), armed](beast::error_code ec) {
      // A wait that completed just before it was cancelled or re-armed is
      // stale: the generation tells.
      if (ec || armed != self->idle_generation_) return;
      self->close();
    });
  }

  void cancel_idle_timer() {
    ++idle_generation_;
    idle_timer_.cancel();
  }

  // Closes after a final response: half-close, then swallow what the client
  // is still sending (the unread body of a 413) for a moment, so that the
  // kernel does not reset the connection before the client reads our answer.
  void finish() {
    read_closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (!unread_body_ || reading_) return close();
    drain_buffer_.clear();
    stream_.expires_after(kDrainTime);
    do_drain();
  }

  void do_drain() {
    reading_ = true;
    stream_.async_read_some(drain_buffer_.prepare(kFirstRead),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->reading_ = false;
                              self->drained_ += n;
                              self->drain_buffer_.clear();
                              if (ec || self->drained_ >= kDrainMax) return self->close();
                              self->do_drain();
                            });
  }

  // Nothing to answer and no request arriving: safe to close.
  bool idle() const { return queue_.empty() && !writing_ && !in_request_; }

  // No request will follow the ones queued: close once they are written.
  bool closing_after_queue() const {
    return !in_request_ && (stopping_ || (read_closed_ && !reading_));
  }

  void close() {
    read_closed_ = true;
    cancel_idle_timer();
    close_stream(stream_);
  }

  beast::tcp_stream stream_;
  Server::State& st_;
  asio::steady_timer idle_timer_{stream_.get_executor()};
  uint64_t idle_generation_ = 0;
  beast::flat_buffer buffer_;
  beast::flat_buffer drain_buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::deque<Slot> queue_;  // in request order; front is written next
  uint64_t next_seq_ = 0;
  Clock::time_point request_start_;
  Clock::time_point request_deadline_;
  size_t drained_ = 0;
  bool reading_ = false;      // a read is pending
  bool writing_ = false;      // a write is pending
  bool read_closed_ = false;  // no further requests will be read
  bool stopping_ = false;     // the server is stopping: close once answered
  bool in_request_ = false;   // a request's first bytes have arrived, not all of it
  bool began_before_stop_ = false;  // that request started before shutdown()
  bool unread_body_ = false;  // the last request's body was left unread
};

// A new connection: a session, or over the cap a refusal. Refusals are
// bounded too (a flood of connections gets closed without an answer).
void admit(tcp::socket socket, Server::State& st) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (st.connections.load() < st.options.max_connections) {
    std::make_shared<Session>(std::move(socket), st)->run();
  } else if (st.refusing.load() < st.options.max_connections) {
    refuse_connection(std::move(socket), st.options.max_connections, st.request_ids.make(), st.refusing);
  } else {
    socket.close(ec);
  }
}

// Accepts connections and hands each to admit(); nothing else.
void do_accept(Server::State& st) {
  st.acceptor.async_accept(asio::make_strand(st.ioc),
                           [&st](beast::error_code ec, tcp::socket socket) {
                             if (ec == asio::error::operation_aborted || !st.acceptor.is_open()) {
                               return;
                             }
                             if (!ec) {
                               admit(std::move(socket), st);
                               return do_accept(st);
                             }
                             // Out of descriptors and the like: keep serving
                             // the connections we have, and try again shortly.
                             log_error("accept: " + ec.message());
                             st.accept_retry.expires_after(kAcceptRetry);
                             st.accept_retry.async_wait([&st](beast::error_code) { do_accept(st); });
                           });
}

}  // namespace

Server::Server(service::Service& svc, ServerOptions options)
    : state_(std::make_unique<State>(svc, std::move(options))) {}

Server::~Server() { stop(); }

Status Server::start() {
  State& st = *state_;
  st.started = true;
  const std::string where = st.options.host + ":" + std::to_string(st.options.port);
  beast::error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(st.options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, st.options.port);
  } else {
    tcp::resolver resolver(st.ioc);
    const auto results =
        resolver.resolve(st.options.host, std::to_string(st.options.port), ec);
    if (ec || results.empty()) {
      return Status::unavailable("listen " + where + ": cannot resolve host: " +
                                          ec.message());
    }
    endpoint = results.begin()->endpoint();
  }
  auto fail = [&](const char* step) {
    return Status::unavailable("listen " + where + ": " + step + ": " + ec.message());
  };
  if (st.acceptor.open(endpoint.protocol(), ec)) return fail("open");
  if (st.acceptor.set_option(asio::socket_base::reuse_address(true), ec)) return fail("option");
  if (st.acceptor.bind(endpoint, ec)) return fail("bind");
  if (st.acceptor.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  st.endpoint = st.acceptor.local_endpoint(ec);
  if (ec) return fail("local_endpoint");

  st.work.emplace(st.ioc.get_executor());
  do_accept(st);
  const size_t n = std::max<size_t>(1, st.options.io_threads);
  for (size_t i = 0; i < n; ++i) {
    st.threads.emplace_back([&st] {
      // Handlers do not throw; if one does anyway, log it and keep serving.
      while (true) {
        try {
          st.ioc.run();
          return;
        } catch (const std::exception& e) {
          log_error(std::string("io thread: unhandled exception: ") + e.what());
        }
      }
    });
  }
  return Status::ok();
}

tcp::endpoint Server::local_endpoint() const { return state_->endpoint; }

void Server::reload_keys(ApiKeys keys) { state_->dispatcher.set_keys(std::move(keys)); }

void Server::stop() {
  State& st = *state_;
  if (st.stopped) return;
  st.stopped = true;
  if (!st.started || st.threads.empty()) {
    st.pool.join();
    st.cpu_pool.join();
    return;
  }
  st.stopping = true;
  asio::dispatch(st.acceptor.get_executor(), [&st] {
    beast::error_code ec;
    st.acceptor.close(ec);
  });
  auto for_each_session = [&st](auto&& fn) {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(st.mu);
      for (Session* s : st.sessions) {
        // A session being destroyed has no owner left: skip it.
        if (auto self = s->weak_from_this().lock()) live.push_back(std::move(self));
      }
    }
    // Outside the lock: dropping the last reference runs ~Session, which locks.
    for (auto& s : live) fn(*s);
  };
  for_each_session([](Session& s) { s.shutdown(); });
  {
    std::unique_lock lock(st.mu);
    st.cv.wait_for(lock, st.options.drain_timeout, [&st] { return st.sessions.empty(); });
  }
  for_each_session([](Session& s) { s.force_close(); });
  {
    // Closed sockets complete their operations at once; give them a moment.
    std::unique_lock lock(st.mu);
    st.cv.wait_for(lock, std::chrono::seconds(1), [&st] { return st.sessions.empty(); });
  }
  st.pool.join();
  st.cpu_pool.join();
  // An ingest queued from an I/O thread is answered by the store's
  // committer through the io_context: wait for every answer to arrive (it
  // also frees the request's place in in_flight) before stopping it. No
  // handler or completion touches the Service after this.
  while (st.in_flight.load() + st.cpu_in_flight.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  {
    // The committer may still hold the last reference to a session while
    // it lets go of a completion: let that session end first.
    std::unique_lock lock(st.mu);
    st.cv.wait_for(lock, std::chrono::seconds(5), [&st] { return st.sessions.empty(); });
  }
  st.work.reset();
  st.ioc.stop();
  for (auto& t : st.threads) t.join();
  st.threads.clear();
}

}  // namespace attnrec::api

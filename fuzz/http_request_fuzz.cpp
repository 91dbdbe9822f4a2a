// libFuzzer target: the HTTP request path without a socket. Bytes go through
// Beast's request_parser with the server's limits, as a connection would
// deliver them (several pipelined requests, then end of stream), and each
// parsed request through Dispatcher::route, run and finalize_response on a
// real Service over a temporary store; a parse error takes the server's
// error path (route() of the partial request). Keys are configured, so auth
// is exercised: the seeds carry them.
//
// POST /v1/admin/train is routed but not run: a job trains in the background
// for up to its time budget (its body decoder is in json_body_fuzz).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "api/dispatcher.h"
#include "api/responses.h"
#include "service/service.h"

namespace {

namespace http = boost::beast::http;
using attnrec::api::Dispatcher;
using attnrec::api::HttpRequest;
using attnrec::api::HttpResponse;

// The server's defaults (api/server.h ServerOptions).
constexpr size_t kBodyLimit = 4 << 20;
constexpr uint32_t kHeaderLimit = 16 << 10;
constexpr int kMaxPipelined = 8;

struct Env {
  Env() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "attnrec-fuzz-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    dir = tmpl;
    attnrec::service::Config config;
    config.data_dir = dir;
    config.sync_writes = false;  // no fsync per request: the fuzzer runs ~1000s a second
    config.popularity_refresh_ms = 0;
    if (!attnrec::service::Service::open(config, &svc).is_ok()) std::abort();
    attnrec::api::DispatcherOptions options;
    if (!options.keys.add("fuzz-admin-key", attnrec::api::Role::kAdmin).is_ok() ||
        !options.keys.add("fuzz-read-key", attnrec::api::Role::kRead).is_ok()) {
      std::abort();
    }
    dispatcher = std::make_unique<Dispatcher>(*svc, options);
  }
  ~Env() {
    dispatcher.reset();
    svc.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string dir;
  std::unique_ptr<attnrec::service::Service> svc;
  std::unique_ptr<Dispatcher> dispatcher;
};

Env& env() {
  static Env* e = new Env();  // never destroyed: libFuzzer exits without unwinding
  return *e;
}

void answer(const Dispatcher& d, const HttpRequest& req) {
  Dispatcher::Routed routed = d.route(req);
  HttpResponse res;
  if (routed.early) {
    res = std::move(*routed.early);
  } else if (routed.route->method == http::verb::post && routed.label == "/v1/admin/train") {
    return;
  } else {
    res = d.run(req, routed);
  }
  attnrec::api::finalize_response(req, res);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Dispatcher& d = *env().dispatcher;
  const char* p = reinterpret_cast<const char*>(data);
  size_t left = size;
  for (int n = 0; n < kMaxPipelined; ++n) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(kHeaderLimit);
    parser.eager(true);
    boost::beast::error_code ec;
    while (left > 0 && !parser.is_done()) {
      const size_t used = parser.put(boost::asio::buffer(p, left), ec);
      p += used;
      left -= used;
      if (ec == http::error::need_more) ec = {};
      if (ec || used == 0) break;
    }
    if (!ec && !parser.is_done()) {
      if (!parser.got_some()) return 0;  // closed between requests: nothing to answer
      parser.put_eof(ec);                // closed inside one
    }
    if (ec) {
      // The server's answer to a broken request routes what was read.
      (void)d.route(parser.get());
      return 0;
    }
    const HttpRequest req = parser.release();
    answer(d, req);
    if (left == 0) break;
  }
  return 0;
}

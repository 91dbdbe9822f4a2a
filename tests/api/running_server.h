// A Service and an api::Server on a free port, for tests over a real
// socket.
#pragma once

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "api/server.h"
#include "http_client.h"
#include "service/service.h"

namespace attnrec::testing {

// A Service and a Server on a free port, over a data directory that may
// outlive them (restart tests).
struct Running {
  explicit Running(const std::string& dir, api::ServerOptions options = test_options(),
                   service::Config config = {}) {
    config.data_dir = dir;
    config.popularity_refresh_ms = 0;
    const Status s = service::Service::open(config, &rec);
    INFO(s.message());
    REQUIRE(s.is_ok());
    options.port = 0;
    server = std::make_unique<api::Server>(*rec, options);
    const Status started = server->start();
    INFO(started.message());
    REQUIRE(started.is_ok());
    REQUIRE(server->local_endpoint().port() != 0);
  }
  ~Running() {
    server.reset();  // stops and joins before the store closes
    rec.reset();
  }

  static api::ServerOptions test_options() {
    api::ServerOptions o;
    o.io_threads = 2;
    o.workers = 8;
    return o;
  }

  HttpClient client() { return HttpClient(server->local_endpoint()); }

  std::unique_ptr<service::Service> rec;
  std::unique_ptr<api::Server> server;
};

}  // namespace attnrec::testing

// Request ids: the client's X-Request-Id when it is a sane token, else one
// made here. Every answer echoes its request's id and the access log names
// it (api/server.cpp).
//
// Thread safety: RequestIds may be used from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "api/request.h"

namespace attnrec::api {

class RequestIds {
 public:
  RequestIds();

  // 16 hex digits, unique in this process (an id, not a secret).
  std::string make();
  // The request's X-Request-Id when it is 1 to 128 of A-Z a-z 0-9 - _ . :,
  // else make().
  std::string of(const HttpRequest& req);

 private:
  std::atomic<uint64_t> made_{0};
  const uint64_t key_;
};

}  // namespace attnrec::api

// API keys with roles, read < write < admin: reads need `read`; ingest,
// catalog writes and user erasure need `write`; /v1/admin/* and model
// activation need `admin`; health probes (and /metrics unless configured
// otherwise) are open. A key is sent as `Authorization: Bearer KEY` or
// `X-API-Key: KEY`.
//
// Thread safety: ApiKeys is immutable once built and may be shared; the
// Dispatcher swaps in a new set atomically on reload (SIGHUP).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/request.h"
#include "base/status.h"

namespace attnrec::api {

enum class Role { kNone = 0, kRead = 1, kWrite = 2, kAdmin = 3 };

// "read" | "write" | "admin".
std::string_view role_name(Role role);

class ApiKeys {
 public:
  // No keys: nothing is required (the server refuses to listen beyond
  // loopback that way unless told otherwise; see cli/serve.cpp).
  ApiKeys() = default;

  // Lines `KEY ROLE`, blank lines and `#` comments skipped. kInvalidArgument
  // naming FILE:LINE for a bad line, a bad role or a repeated key.
  static Result<ApiKeys> parse_file_text(std::string_view text, std::string_view file);
  static Result<ApiKeys> read_file(const std::string& path);
  // "KEY:ROLE,KEY:ROLE" (ATTNREC_API_KEYS).
  static Result<ApiKeys> parse_list(std::string_view list);

  // Adds `key` with `role`; kInvalidArgument for an empty key, one with
  // white space, or a key already present.
  Status add(std::string key, Role role);
  // Every key of `other` (kInvalidArgument for a key in both).
  Status merge(const ApiKeys& other);

  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }
  // The role of `key`, kNone when unknown. Compares against every key in
  // constant time per key, so response times do not reveal a key's prefix.
  Role role_of(std::string_view key) const;

 private:
  struct Entry {
    std::string key;
    Role role;
  };
  std::vector<Entry> keys_;
};

// The key a request carries (X-API-Key, or Authorization: Bearer); empty when none.
std::string_view request_key(const HttpRequest& req);

}  // namespace attnrec::api

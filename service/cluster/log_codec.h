// The messages of the event stream, as JSON (readable with `nats stream
// view`): one user's events of one request,
//   {"user":"u1","events":[{"item":"i9","type":"view","ts_ms":1700000000000,"weight":1,"id":"k"}]}
// or the erasure of a user,
//   {"user":"u1","erase":true}
// A view applies them in stream order, so an erasure removes whatever came
// before it on the user's subject, and nothing after.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace attnrec::service::cluster {

struct LogRecord {
  std::string user;
  bool erase = false;
  std::vector<storage::Event> events;  // every one of `user`; empty for an erasure
};

// Precondition: every event's user is `user`.
std::string encode_events(std::string_view user, std::span<const storage::Event> events);
std::string encode_erase(std::string_view user);
// kCorruption for a message that is not one of the two forms.
Status decode_record(std::string_view payload, LogRecord* out);

}  // namespace attnrec::service::cluster

// What cluster mode does while NATS is briefly unable to answer (a server
// restarting, leaders being elected): try again, pausing, until `patience`
// is spent. Header-only; used by the event log, the catalog bucket and the model log.
#pragma once

#include <chrono>
#include <thread>

#include "base/status.h"

namespace attnrec::service::cluster {

// How long a starting node waits for the JetStream cluster to answer.
inline constexpr std::chrono::milliseconds kStartPatience{60000};

// Calls attempt() until it is ok, `transient(status)` is false, or
// `patience` has passed; then returns its last status. Before try n + 1
// it sleeps pause(n) (n from 0).
template <class Attempt, class Transient, class Pause>
Status retry_for(std::chrono::milliseconds patience, Attempt attempt, Transient transient, Pause pause) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (int n = 0;; ++n) {
    Status s = attempt();
    if (s.is_ok() || !transient(s) || std::chrono::steady_clock::now() >= deadline) return s;
    std::this_thread::sleep_for(pause(n));
  }
}

// What a starting node does for a stream or bucket of a JetStream cluster
// that may still be electing leaders: attempt() again every 500 ms for up
// to kStartPatience, unless it fails kInvalidArgument (a configuration the
// servers refuse, which no retry mends).
template <class Attempt>
Status retry_while_starting(Attempt attempt) {
  return retry_for(
      kStartPatience, attempt, [](const Status& st) { return st.code() != Status::Code::kInvalidArgument; },
      [](int) { return std::chrono::milliseconds(500); });
}

}  // namespace attnrec::service::cluster

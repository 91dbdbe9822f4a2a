// The wall clock in the service's unit: unix milliseconds.
#pragma once

#include <chrono>
#include <cstdint>

namespace attnrec::service {

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace attnrec::service

// The demo data's simulated users (shape: service/demo/demo_data.h): taste,
// activity, sessions and the choice of the next item, then timestamps laid
// out over the period. User u's history depends only on (seed, u) and the
// catalog. Internal to service/demo/.
#pragma once

#include <cstdint>
#include <vector>

#include "service/demo/demo_data.h"
#include "service/demo/movie_catalog.h"

namespace attnrec::service::demo {

inline constexpr int64_t kDaySeconds = 86400;

struct UserEvent {
  int64_t ts = 0;  // seconds
  uint32_t user = 0;
  uint32_t seq = 0;  // order within the user
  int item = 0;
  uint8_t type = 0;  // 0 view, 1 rating, 2 purchase
  uint8_t rating = 0;
};

// One user's whole history, appended to `out` in watch order (seq 0, 1, ...).
// Precondition: options are valid (generate_demo_data checks them).
void simulate_user(const DemoOptions& options, const MovieCatalog& c, uint32_t user,
                   std::vector<UserEvent>* out);

}  // namespace attnrec::service::demo

// A synthetic movie catalog and event stream for demos, tutorials and tests
// (`attnrec demo-data`), written in the importer's JSON-lines format.
//
// Deterministic: the same options give byte-identical files on every
// platform. Randomness comes only from the project's generator
// (base/random.h: xoshiro256** seeded through mix_seed, written in the
// project) and its integer-only sampling, never the std:: engines'
// distributions, whose output differs between standard libraries. The
// catalog depends only on (seed, items); user u's behaviour only on
// (seed, u), so --users N keeps the first users' events when N changes.
//
// Shape (defaults: 1,500 items, 3,000 users, about 200,000 events; the
// catalog is built in movie_catalog.*, the users in user_behaviour.*):
//   Items  ~1 in 6 belongs to a series of 3-6 numbered parts ("Star Voyage 1"
//          .. "Star Voyage 5"); the rest stand alone. Each has a genre (sci-fi,
//          romance, comedy, horror, documentary, animation, thriller, drama,
//          family, fantasy), sometimes a second one, 1-2 moods as tags, a
//          one-sentence synopsis, attributes {year, duration_min} and, for a
//          series, {series, part}.
//   Users  1-3 favourite genres; light, medium or heavy activity. They watch
//          in sessions; the next item is, in order of precedence: the next
//          part of a series they are in (strong: this is what a sequential
//          model learns and popularity cannot), an item related to the
//          previous one in the same session (same genre and mood), a rare
//          exploration by global popularity, or a pick from a favourite genre
//          by Zipf-like popularity. Series are only entered at part 1, and
//          nobody watches an item twice.
//   Events one per watched item: `view` (70%), `rating` with weight 1-5
//          (27%, higher in favourite genres) or `purchase` (3%); timestamps
//          (whole seconds) in order per user, spread over the `days` before
//          `end_ms`. Each event has an idempotency id, so importing the files
//          twice stores them once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "service/item.h"
#include "service/events.h"

namespace attnrec::service {

// 2025-01-01T00:00:00Z: a fixed default end, so that files do not change with the clock.
inline constexpr int64_t kDemoDefaultEndMs = 1735689600000;

struct DemoOptions {
  uint64_t seed = 42;
  size_t users = 3000;    // 1..1,000,000
  size_t items = 1500;    // 50..1,000,000
  int64_t end_ms = kDemoDefaultEndMs;  // the newest event is at or before this
  int days = 90;          // events spread over this many days before end_ms
};

struct DemoData {
  std::vector<Item> items;         // ids "m00001".. in id order
  std::vector<EventInput> events;  // sorted by time (ties: user, then order)
};

struct DemoSummary {
  size_t items = 0;
  size_t series = 0;
  size_t users = 0;
  size_t events = 0;
  size_t views = 0;
  size_t ratings = 0;
  size_t purchases = 0;
  int64_t first_ts_ms = 0;
  int64_t last_ts_ms = 0;
  std::string items_path;   // set by write_demo_data
  std::string events_path;
};

// Generates in memory. kInvalidArgument for options out of range.
Status generate_demo_data(const DemoOptions& options, DemoData* data, DemoSummary* summary);

// Generates and writes `items.jsonl` and `events.jsonl` into `out_dir`
// (created if missing; existing files are replaced whole).
Status write_demo_data(const DemoOptions& options, const std::string& out_dir,
                       DemoSummary* summary);

}  // namespace attnrec::service

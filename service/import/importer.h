// Bulk import of catalogs and past events from files (`attnrec import`).
//
// Formats (ImportFormat; each is detailed in its own header):
//   movielens  A folder (or the files themselves) of one MovieLens release:
//              ML-1M/10M `movies.dat` + `ratings.dat` (`::`-separated),
//              ml-latest `movies.csv` + `ratings.csv` (RFC 4180 CSV, header),
//              ml-100k `u.item` + `u.data` (+ `u.genre`). Movies become
//              catalog items (id = MovieID, title with its year, tags = the
//              genres lowercased, attributes.year); they are loaded before
//              ratings, which become events {user = UserID, item = MovieID,
//              type "rating", weight = the rating, ts = the timestamp}.
//              Latin-1 lines (movies.dat, u.item) are converted to UTF-8.
//              (service/import/movielens.h)
//   pairs      SASRec's `user item` per line; line order is time order. Both
//              columns are kept as strings. Lines carry no time, so event n
//              (counting from 0 over all files) gets ts = base + n ms, type
//              "view": per-user order is preserved and, with the default base
//              (import start minus total bytes / 4 ms, an upper bound on the
//              line count), every timestamp lies in the recent past.
//              (service/import/pairs.h)
//   jsonl      One JSON object per line. Rule: an object with a "user" field
//              is an event (decode_event), otherwise an object with an "id"
//              field is a catalog item (decode_item); anything else is a bad
//              line. Blank lines are skipped. (service/import/jsonl.h)
//
// Only jsonl events can carry idempotency ids: importing the same pairs or
// MovieLens file twice stores its events twice.
//
// Events are sent in batches of `batch`, items via put_items; a batch never
// spans two files. A bad line (unparseable, or an event/item the service
// would refuse) stops the import with "FILE:LINE: what is wrong": batches
// sent before it stay stored, the batch holding the bad line is not sent.
// With skip_bad the line is counted, reported and skipped instead.
//
// Thread safety: run_import is reentrant; one call uses its sink from the
// calling thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "service/item.h"
#include "service/events.h"

namespace attnrec::service {

enum class ImportFormat { kMovieLens, kPairs, kJsonl };

// "movielens" | "pairs" | "jsonl"; false for anything else.
bool parse_import_format(std::string_view name, ImportFormat* format);

// Where imported values go. Both calls are all-or-nothing, as in Events::ingest and Catalog::put.
// A refusal as bad data (kInvalidArgument, kMalformed) whose message holds
// "[i]: " (e.g. "events[12]: ...") blames the i-th value of the call;
// kTooLarge makes the importer retry the call in halves.
class ImportSink {
 public:
  virtual ~ImportSink() = default;
  virtual Status ingest(std::span<const EventInput> events, IngestResult* result) = 0;
  virtual Status put_items(std::vector<Item> items) = 0;
};

struct ImportProgress {
  uint64_t bytes_done = 0;   // over all input files
  uint64_t bytes_total = 0;
  uint64_t lines = 0;        // lines read so far
  std::string file;          // the file being read
};

struct ImportOptions {
  ImportFormat format = ImportFormat::kJsonl;
  std::vector<std::string> paths;   // files, or folders for movielens
  bool skip_bad = false;
  size_t batch = 5000;              // events (and items) per call; 1..10,000
  std::optional<int64_t> pairs_base_ms;  // pairs: ts of the first line (see above)
  size_t max_reported_bad = 20;     // skip_bad: bad lines kept in the summary
  // Called from the importing thread every few thousand lines and at the end
  // of each file; keep it cheap (the CLI throttles its redraws).
  std::function<void(const ImportProgress&)> on_progress;
};

struct ImportSummary {
  size_t files = 0;              // files read
  uint64_t lines = 0;            // lines read (including headers and blanks)
  uint64_t events_accepted = 0;  // new events stored
  uint64_t duplicates = 0;       // events whose idempotency key was seen before
  uint64_t items = 0;            // catalog items upserted
  uint64_t skipped = 0;          // bad lines skipped (skip_bad)
  double seconds = 0;
  std::vector<std::string> bad_lines;  // first max_reported_bad "FILE:LINE: why"
  std::vector<std::string> warnings;   // e.g. a MovieLens folder without ratings
  bool stopped_at_bad_line = false;    // the failure names a bad FILE:LINE
};

// Checks the options and that the inputs exist (for movielens: that some
// MovieLens files are there) without reading them or touching a store:
// the errors run_import would report before its first line.
Status check_import_inputs(const ImportOptions& options);

// Imports options.paths into `sink`. On failure the Status message starts
// with "FILE:LINE: " when a line is to blame, and `summary` still counts what
// was stored before the failure. kInvalidArgument: bad options or a bad line;
// kNotFound: a path or the expected files are missing; others come from the sink.
Status run_import(const ImportOptions& options, ImportSink& sink, ImportSummary* summary);

}  // namespace attnrec::service

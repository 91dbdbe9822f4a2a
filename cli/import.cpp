// `attnrec import` and `attnrec demo-data`.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "cli/cli.h"
#include "cli/progress.h"
#include "service/json_codec.h"
#include "service/config.h"
#include "service/demo/demo_data.h"
#include "service/import/importer.h"
#include "service/import/service_sink.h"
#include "service/service.h"

namespace attnrec::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Prints "attnrec <command>: error: <what>" and leaves with exit code 1
// (CLI11 turns a RuntimeError into that code without printing anything).
[[noreturn]] void fail(const char* command, const std::string& what) {
  std::fprintf(stderr, "attnrec %s: error: %s\n", command, what.c_str());
  throw CLI::RuntimeError(1);
}

void print_json(const boost::json::value& v) {
  std::printf("%s\n", service::serialize_json(v).c_str());
  std::fflush(stdout);
}

// Import progress: a bar redrawn at most 5 times a second on a terminal; a
// plain line every 5 seconds when stderr is a pipe or file.
class ImportProgressBar {
 public:
  ImportProgressBar()
      : line_(std::chrono::milliseconds(200), std::chrono::seconds(5)), start_(Clock::now()) {}

  void update(const service::ImportProgress& p) {
    last_ = p;
    line_.show(text(false));
  }

  void finish() {
    if (last_.bytes_total == 0 && last_.lines == 0) return;
    line_.show(text(true), true);
    line_.finish();
  }

 private:
  std::string text(bool final) const {
    const auto& p = last_;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double fraction =
        p.bytes_total > 0 ? std::min(1.0, double(p.bytes_done) / double(p.bytes_total)) : 0.0;
    const double rate = elapsed > 0 ? double(p.lines) / elapsed : 0.0;
    const std::string eta =
        final ? "done in " + human_duration(elapsed)
              : fraction > 0 ? "ETA " + human_duration(elapsed * (1 - fraction) / fraction)
                             : "ETA ?";
    char buf[256];
    std::snprintf(buf, sizeof buf, "%5.1f%%  %s / %s  %llu lines  %.0f lines/s  %s", fraction * 100,
                  human_bytes(double(p.bytes_done)).c_str(), human_bytes(double(p.bytes_total)).c_str(),
                  static_cast<unsigned long long>(p.lines), rate, eta.c_str());
    if (!line_.tty()) return "import: " + std::string(buf) + "  (" + p.file + ")";
    constexpr int kWidth = 24;
    std::string bar(static_cast<size_t>(fraction * kWidth), '#');
    bar.resize(kWidth, '.');
    return "[" + bar + "] " + buf + "  " + p.file;
  }

  ProgressLine line_;
  const Clock::time_point start_;
  service::ImportProgress last_;
};

// The summary printed by `attnrec import` (the service's types speak no JSON).
boost::json::object to_json(const service::ImportSummary& s) {
  boost::json::object o;
  o["files"] = s.files;
  o["lines"] = s.lines;
  o["events_accepted"] = s.events_accepted;
  o["duplicates"] = s.duplicates;
  o["items"] = s.items;
  o["skipped"] = s.skipped;
  o["seconds"] = std::round(s.seconds * 1000.0) / 1000.0;
  o["bad_lines"] = boost::json::array(s.bad_lines.begin(), s.bad_lines.end());
  o["warnings"] = boost::json::array(s.warnings.begin(), s.warnings.end());
  return o;
}

// The summary printed by `attnrec demo-data`.
boost::json::object to_json(const service::DemoSummary& s) {
  boost::json::object o;
  o["items"] = s.items;
  o["series"] = s.series;
  o["users"] = s.users;
  o["events"] = s.events;
  o["views"] = s.views;
  o["ratings"] = s.ratings;
  o["purchases"] = s.purchases;
  o["first_ts"] = service::format_rfc3339(s.first_ts_ms);
  o["last_ts"] = service::format_rfc3339(s.last_ts_ms);
  if (!s.items_path.empty()) o["items_path"] = s.items_path;
  if (!s.events_path.empty()) o["events_path"] = s.events_path;
  return o;
}

struct ImportArgs {
  std::string data_dir;
  std::string format;
  std::vector<std::string> paths;
  bool skip_bad = false;
  size_t batch = 5000;
};

void run_import(const ImportArgs& args) {
  service::ImportOptions options;
  if (!service::parse_import_format(args.format, &options.format)) {
    fail("import", "unknown format \"" + args.format + "\" (movielens, pairs or jsonl)");
  }
  options.paths = args.paths;
  options.skip_bad = args.skip_bad;
  options.batch = args.batch;

  // Bad inputs are refused before a store is created for them.
  Status st = service::check_import_inputs(options);
  if (!st.is_ok()) fail("import", st.message());
  service::Config config;
  config.data_dir = args.data_dir;
  std::unique_ptr<service::Service> svc;
  st = service::Service::open(config, &svc);
  if (!st.is_ok()) fail("import", "cannot open the store in " + args.data_dir + ": " + st.message());

  ImportProgressBar bar;
  options.on_progress = [&bar](const service::ImportProgress& p) { bar.update(p); };
  service::ServiceSink sink(*svc);
  service::ImportSummary summary;
  st = service::run_import(options, sink, &summary);
  bar.finish();

  for (const auto& w : summary.warnings) std::fprintf(stderr, "attnrec import: warning: %s\n", w.c_str());
  if (summary.skipped > 0) {
    std::fprintf(stderr, "attnrec import: skipped %llu bad line(s); the first ones:\n",
                 static_cast<unsigned long long>(summary.skipped));
    for (const auto& b : summary.bad_lines) std::fprintf(stderr, "  %s\n", b.c_str());
  }
  boost::json::object out = to_json(summary);
  const service::ServiceStats stats = svc->stats();
  out["store"] = {{"users", stats.users},
                  {"items", stats.items},
                  {"events", stats.events},
                  {"catalog_items", stats.catalog_items}};
  if (!st.is_ok()) out["error"] = st.message();
  print_json(out);
  if (!st.is_ok()) {
    std::string note;
    if (summary.stopped_at_bad_line) {
      note = " (stopped there: " + std::to_string(summary.events_accepted) + " events and " +
             std::to_string(summary.items) +
             " items from earlier batches are stored; --skip-bad skips bad lines)";
    }
    fail("import", st.message() + note);
  }
}

struct DemoArgs {
  std::string out;
  uint64_t seed = 42;
  size_t users = 3000;
  size_t items = 1500;
  int days = 90;
  std::string end;
};

void run_demo_data(const DemoArgs& args) {
  service::DemoOptions options;
  options.seed = args.seed;
  options.users = args.users;
  options.items = args.items;
  options.days = args.days;
  if (!args.end.empty() && !service::parse_rfc3339(args.end, &options.end_ms)) {
    fail("demo-data", "--end \"" + args.end + "\" is not an RFC 3339 time (e.g. 2025-01-01T00:00:00Z)");
  }
  service::DemoSummary summary;
  const Status st = service::write_demo_data(options, args.out, &summary);
  if (!st.is_ok()) fail("demo-data", st.message());
  boost::json::object out = to_json(summary);
  out["seed"] = args.seed;
  print_json(out);
  std::fprintf(stderr, "load it with: attnrec import --data-dir DIR --format jsonl %s %s\n",
               summary.items_path.c_str(), summary.events_path.c_str());
}

}  // namespace

void add_import_command(CLI::App& app) {
  auto imp = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import", "Load a catalog and past events from files into the store");
  cmd->footer(
      "Formats:\n"
      "  movielens  folders or files of ML-1M/10M (movies.dat, ratings.dat), ml-latest\n"
      "             (movies.csv, ratings.csv) or ml-100k (u.item, u.data); movies first\n"
      "  pairs      `user item` per line, in time order per user (SASRec format);\n"
      "             event n gets ts = base + n ms, type view\n"
      "  jsonl      one JSON object per line: an event if it has \"user\",\n"
      "             otherwise a catalog item if it has \"id\"\n"
      "A bad line stops the import with FILE:LINE (batches already sent stay stored;\n"
      "the batch holding the line is not sent) unless --skip-bad is given.\n"
      "Prints a JSON summary on stdout.");
  cmd->add_option("--data-dir", imp->data_dir, "Store folder (created if missing)")
      ->envname("ATTNREC_DATA_DIR")  // as for serve
      ->required();
  cmd->add_option("--format", imp->format, "movielens | pairs | jsonl")
      ->required()
      ->check(CLI::IsMember({"movielens", "pairs", "jsonl"}));
  cmd->add_option("paths", imp->paths, "Input files (movielens: folders or files)")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_flag("--skip-bad", imp->skip_bad,
                "Skip lines that cannot be imported (counted and reported) instead of stopping");
  cmd->add_option("--batch", imp->batch, "Events or items per atomic write")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->callback([imp] { run_import(*imp); });

  auto demo = std::make_shared<DemoArgs>();
  CLI::App* gen = app.add_subcommand(
      "demo-data", "Write a synthetic movie catalog and event stream (JSON lines)");
  gen->footer(
      "Writes OUT/items.jsonl and OUT/events.jsonl; the same options give the same bytes.\n"
      "Load them with: attnrec import --data-dir DIR --format jsonl OUT/items.jsonl OUT/events.jsonl");
  gen->add_option("--out", demo->out, "Output folder (created if missing)")->required();
  gen->add_option("--seed", demo->seed, "Random seed")->capture_default_str();
  gen->add_option("--users", demo->users, "Number of users")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  gen->add_option("--items", demo->items, "Number of catalog items")
      ->check(CLI::Range(50, 1000000))
      ->capture_default_str();
  gen->add_option("--days", demo->days, "Events spread over this many days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  gen->add_option("--end", demo->end,
                  "Time of the newest events, RFC 3339 (default 2025-01-01T00:00:00Z)");
  gen->callback([demo] { run_demo_data(*demo); });
}

}  // namespace attnrec::cli

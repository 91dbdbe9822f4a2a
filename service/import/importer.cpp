// The import driver: the formats' LineParsers (line_parser.h) turn lines into
// values; everything else (files, lines, FILE:LINE, skip_bad, batching) is here.
#include "service/import/importer.h"

#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "service/import/fields.h"
#include "service/import/jsonl.h"
#include "service/import/line_parser.h"
#include "service/import/line_reader.h"
#include "service/import/movielens.h"
#include "service/import/pairs.h"
#include "service/validate.h"

namespace attnrec::service {

bool parse_import_format(std::string_view name, ImportFormat* format) {
  if (name == "movielens") *format = ImportFormat::kMovieLens;
  else if (name == "pairs") *format = ImportFormat::kPairs;
  else if (name == "jsonl") *format = ImportFormat::kJsonl;
  else return false;
  return true;
}

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using importing::LineParser;
using importing::LineReader;

constexpr uint64_t kProgressEveryLines = 4096;

std::unique_ptr<LineParser> make_parser(const ImportOptions& options) {
  switch (options.format) {
    case ImportFormat::kMovieLens: return importing::make_movielens_parser();
    case ImportFormat::kPairs: return importing::make_pairs_parser(options.pairs_base_ms);
    case ImportFormat::kJsonl: return importing::make_jsonl_parser();
  }
  return importing::make_jsonl_parser();  // not reached: every format is listed
}

// "events[12]: ..." -> 12: the index Events::ingest and Catalog::put put in front of the reason
// when it refuses a batch.
std::optional<size_t> leading_index(std::string_view message) {
  const size_t open = message.find('[');
  const size_t close = message.find("]: ");
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  int64_t index = 0;
  if (!importing::parse_int(message.substr(open + 1, close - open - 1), &index) || index < 0) {
    return std::nullopt;
  }
  return static_cast<size_t>(index);
}

class Importer final : private importing::ParseOutput {
 public:
  Importer(const ImportOptions& options, ImportSink& sink, ImportSummary* summary)
      : options_(options), sink_(sink), summary_(*summary), parser_(make_parser(options)) {}

  // Checks the options and lists the files to read, in order.
  Status plan(std::vector<std::string>* files) {
    if (options_.batch < 1 || options_.batch > 10000) {
      return Status::invalid_argument("batch must be between 1 and 10000, got " +
                                      std::to_string(options_.batch));
    }
    if (options_.paths.empty()) return Status::invalid_argument("no input paths given");
    return parser_->list_files(options_.paths, files, &summary_.warnings);
  }

  Status run() {
    std::vector<std::string> files;
    Status st = plan(&files);
    if (!st.is_ok()) return st;
    for (const auto& f : files) {
      std::error_code ec;
      const auto size = fs::file_size(f, ec);
      if (!ec) bytes_total_ += size;
    }
    parser_->begin_import(bytes_total_);
    for (const auto& f : files) {
      st = import_file(f);
      if (!st.is_ok()) return st;
    }
    return Status::ok();
  }

 private:
  Status import_file(const std::string& path) {
    file_ = path;
    LineReader reader;
    Status st = reader.open(path);
    if (!st.is_ok()) return st;
    ++summary_.files;
    parser_->begin_file(path, &summary_.warnings);

    std::string_view line;
    bool too_long = false;
    uint64_t number = 0;  // physical line just read
    while (reader.next(&line, &too_long)) {
      ++number;
      ++summary_.lines;
      if (too_long) {
        st = bad_line(number, "line longer than 64 MiB");
        if (!st.is_ok()) return st;
        continue;
      }
      if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
      if (summary_.lines % kProgressEveryLines == 0) report(reader.consumed());
      if (!parser_->in_record()) record_line_ = number;
      const std::string err = parser_->parse_line(line, number, *this);
      if (!err.empty()) {
        st = bad_line(record_line_, err);
        if (!st.is_ok()) return st;
      }
      if (events_.size() >= options_.batch) st = flush_events();
      if (st.is_ok() && items_.size() >= options_.batch) st = flush_items();
      if (!st.is_ok()) return st;
    }
    if (const std::string err = parser_->finish_file(); !err.empty()) {
      st = bad_line(record_line_, err);
      if (!st.is_ok()) return st;
    }
    if (reader.failed()) return Status::internal(file_ + ": read error");
    st = flush_items();
    if (st.is_ok()) st = flush_events();
    bytes_before_ += reader.consumed();
    report(0);
    return st;
  }

  void report(uint64_t consumed_in_file) {
    if (!options_.on_progress) return;
    progress_.bytes_done = bytes_before_ + consumed_in_file;
    progress_.bytes_total = bytes_total_;
    progress_.lines = summary_.lines;
    progress_.file = file_;
    options_.on_progress(progress_);
  }

  // A line that cannot be imported: stop, or count it under skip_bad.
  Status bad_line(uint64_t line, const std::string& what) {
    std::string where = file_ + ":" + std::to_string(line) + ": " + what;
    if (!options_.skip_bad) {
      summary_.stopped_at_bad_line = true;
      return Status::invalid_argument(std::move(where));
    }
    ++summary_.skipped;
    if (summary_.bad_lines.size() < options_.max_reported_bad) {
      summary_.bad_lines.push_back(std::move(where));
    }
    return Status::ok();
  }

  // ---- ParseOutput: values of the record starting at record_line_ ----

  std::string add_event(EventInput e) override {
    // Checked here so that a bad line is reported with its FILE:LINE before
    // anything of its batch is sent.
    if (Status st = check_event(e); !st.is_ok()) return st.message();
    events_.push_back(std::move(e));
    event_lines_.push_back(record_line_);
    return {};
  }

  std::string add_item(Item item) override {
    if (Status st = check_item(item); !st.is_ok()) return st.message();
    items_.push_back(std::move(item));
    item_lines_.push_back(record_line_);
    return {};
  }

  // ---- batching ----

  Status flush_events() {
    Status st = send<EventInput>(events_, event_lines_, "event", [this](std::span<EventInput> b) {
      IngestResult r;
      Status s = sink_.ingest(b, &r);
      if (s.is_ok()) {
        summary_.events_accepted += r.accepted;
        summary_.duplicates += r.duplicates;
      }
      return s;
    });
    events_.clear();
    event_lines_.clear();
    return st;
  }

  Status flush_items() {
    Status st = send<Item>(items_, item_lines_, "item", [this](std::span<Item> b) {
      Status s = sink_.put_items(std::vector<Item>(b.begin(), b.end()));
      if (s.is_ok()) summary_.items += b.size();
      return s;
    });
    items_.clear();
    item_lines_.clear();
    return st;
  }

  // Sends `values` (read from `lines`) in one call. When the sink refuses
  // them as bad data, skip_bad halves the batch until the bad values are
  // alone and skips those; otherwise the import stops at the bad line.
  template <typename T, typename Fn>
  Status send(std::span<T> values, std::span<const uint64_t> lines, const char* what, Fn&& fn) {
    if (values.empty()) return Status::ok();
    Status st = fn(values);
    if (st.is_ok()) return st;
    const bool bad_data = st.code() == Status::Code::kInvalidArgument ||
                          st.code() == Status::Code::kMalformed;
    const bool too_large = st.code() == Status::Code::kTooLarge && values.size() > 1;
    if (!(too_large || (bad_data && options_.skip_bad))) {
      summary_.stopped_at_bad_line = bad_data;
      const auto index = values.size() == 1 ? std::optional<size_t>(0) : leading_index(st.message());
      if (bad_data && index && *index < lines.size()) {
        return st.with_prefix(file_ + ":" + std::to_string(lines[*index]) + ": ");
      }
      std::string where = file_ + ":" + std::to_string(lines.front());
      if (lines.back() != lines.front()) where += "-" + std::to_string(lines.back());
      where += std::string(": storing the ") + what + " batch failed: ";
      return st.with_prefix(where);
    }
    if (values.size() == 1) return bad_line(lines.front(), st.message());
    const size_t half = values.size() / 2;
    st = send(values.first(half), lines.first(half), what, fn);
    if (!st.is_ok()) return st;
    return send(values.subspan(half), lines.subspan(half), what, fn);
  }

  const ImportOptions& options_;
  ImportSink& sink_;
  ImportSummary& summary_;
  const std::unique_ptr<LineParser> parser_;
  std::string file_;
  uint64_t record_line_ = 0;  // first line of the record being parsed
  uint64_t bytes_total_ = 0;
  uint64_t bytes_before_ = 0;
  ImportProgress progress_;
  std::vector<EventInput> events_;
  std::vector<uint64_t> event_lines_;
  std::vector<Item> items_;
  std::vector<uint64_t> item_lines_;
};

}  // namespace

Status check_import_inputs(const ImportOptions& options) {
  try {
    struct NoSink final : ImportSink {
      Status ingest(std::span<const EventInput>, IngestResult*) override { return Status::ok(); }
      Status put_items(std::vector<Item>) override { return Status::ok(); }
    } sink;
    ImportSummary summary;
    std::vector<std::string> files;
    return Importer(options, sink, &summary).plan(&files);
  } catch (const std::exception& e) {
    return Status::internal(std::string("import failed: ") + e.what());
  }
}

Status run_import(const ImportOptions& options, ImportSink& sink, ImportSummary* summary) {
  *summary = ImportSummary{};
  const auto start = Clock::now();
  Status st;
  try {
    Importer importer(options, sink, summary);
    st = importer.run();
  } catch (const std::exception& e) {  // allocation failure and the like: report, never throw
    st = Status::internal(std::string("import failed: ") + e.what());
  }
  summary->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return st;
}

}  // namespace attnrec::service

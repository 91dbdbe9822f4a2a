#include "service/importer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "service/codec.h"
#include "service/recommender.h"
#include "service/utf8.h"
#include "service/validate.h"

namespace attnrec::service {

namespace fs = std::filesystem;

bool parse_import_format(std::string_view name, ImportFormat* format) {
  if (name == "movielens") *format = ImportFormat::kMovieLens;
  else if (name == "pairs") *format = ImportFormat::kPairs;
  else if (name == "jsonl") *format = ImportFormat::kJsonl;
  else return false;
  return true;
}

Status RecommenderSink::ingest(std::span<const EventInput> events, IngestResult* result) {
  return recommender_.ingest(events, result);
}

Status RecommenderSink::put_items(std::vector<Item> items) {
  return recommender_.put_items(std::move(items));
}

boost::json::object ImportSummary::to_json() const {
  boost::json::object o;
  o["files"] = files;
  o["lines"] = lines;
  o["events_accepted"] = events_accepted;
  o["duplicates"] = duplicates;
  o["items"] = items;
  o["skipped"] = skipped;
  o["seconds"] = std::round(seconds * 1000.0) / 1000.0;
  boost::json::array bad(bad_lines.begin(), bad_lines.end());
  o["bad_lines"] = std::move(bad);
  boost::json::array warn(warnings.begin(), warnings.end());
  o["warnings"] = std::move(warn);
  return o;
}

std::string latin1_to_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (unsigned char c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

CsvResult parse_csv_record(std::string_view line, std::vector<std::string>* fields) {
  fields->clear();
  std::string field;
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    field.clear();
    if (i < n && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= n) return CsvResult::kNeedMore;  // the quoted field holds a newline
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') { field.push_back('"'); i += 2; continue; }
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      if (i < n && line[i] != ',') return CsvResult::kError;  // text after the closing quote
    } else {
      const size_t comma = line.find(',', i);
      const size_t end = comma == std::string_view::npos ? n : comma;
      field.assign(line.substr(i, end - i));
      if (field.find('"') != std::string::npos) return CsvResult::kError;  // stray quote
      i = end;
    }
    fields->push_back(field);
    if (i >= n) return CsvResult::kOk;
    ++i;  // the comma; a trailing comma means one more empty field
    if (i == n) { fields->emplace_back(); return CsvResult::kOk; }
  }
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kProgressEveryLines = 4096;

// Reads a file line by line in large blocks. Lines lose their "\n" / "\r\n".
class LineReader {
 public:
  Status open(const std::string& path) {
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) return Status::not_found(path + ": cannot open: " + std::strerror(errno));
    return Status::ok();
  }

  // False at the end of the file or on a read error (see failed()). A line
  // longer than kMaxLine is skipped and returned empty with *too_long set, so
  // that a wrong input (one huge JSON array, a binary file) cannot take all memory.
  bool next(std::string_view* line, bool* too_long) {
    *too_long = false;
    while (true) {
      const size_t nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        emit(line, nl, nl + 1);
        if (*too_long) *line = {};
        return true;
      }
      if (eof_) {
        if (pos_ >= buf_.size()) return *too_long;  // an over-long last line
        emit(line, buf_.size(), buf_.size());
        if (*too_long) *line = {};
        return true;
      }
      if (buf_.size() - pos_ >= kMaxLine) {  // drop what we have of this line
        *too_long = true;
        consumed_ += buf_.size() - pos_;
        buf_.clear();
        pos_ = 0;
      }
      fill();
    }
  }

  uint64_t consumed() const { return consumed_; }  // bytes up to the last line returned
  bool failed() const { return failed_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  void emit(std::string_view* line, size_t end, size_t next) {
    size_t stop = end;
    if (stop > pos_ && buf_[stop - 1] == '\r') --stop;
    *line = std::string_view(buf_).substr(pos_, stop - pos_);
    consumed_ += next - pos_;
    pos_ = next;
  }

  void fill() {
    buf_.erase(0, pos_);
    pos_ = 0;
    const size_t old = buf_.size();
    buf_.resize(old + kBlock);
    const size_t got = std::fread(buf_.data() + old, 1, kBlock, file_.get());
    buf_.resize(old + got);
    if (got < kBlock) {
      eof_ = true;
      failed_ = std::ferror(file_.get()) != 0;
    }
  }

  static constexpr size_t kBlock = 1 << 20;
  static constexpr size_t kMaxLine = 64 << 20;
  std::unique_ptr<std::FILE, Closer> file_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool failed_ = false;
  uint64_t consumed_ = 0;
};

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t") == std::string_view::npos;
}

// Splits on every occurrence of `sep` (which may be several characters).
void split(std::string_view s, std::string_view sep, std::vector<std::string_view>* out) {
  out->clear();
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) { out->push_back(s.substr(start)); return; }
    out->push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
}

// Splits on runs of spaces and tabs, ignoring leading and trailing ones.
void split_whitespace(std::string_view s, std::vector<std::string_view>* out) {
  out->clear();
  size_t i = 0;
  while (true) {
    i = s.find_first_not_of(" \t", i);
    if (i == std::string_view::npos) return;
    const size_t end = std::min(s.find_first_of(" \t", i), s.size());
    out->push_back(s.substr(i, end - i));
    i = end;
  }
}

bool parse_int(std::string_view s, int64_t* v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_double(std::string_view s, double* v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(*v);
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Movie files are latin-1 (ML-1M, ml-100k) or UTF-8 (ml-latest): a line that
// is valid UTF-8 is taken as such (latin-1 titles almost never are).
std::string to_utf8(std::string_view line) {
  return is_utf8(line) ? std::string(line) : latin1_to_utf8(line);
}

// "Heat (1995)" -> 1995; 0 when the title carries no year.
int64_t year_in_title(std::string_view title) {
  while (!title.empty() && title.back() == ' ') title.remove_suffix(1);
  if (title.size() < 6 || title.back() != ')' || title[title.size() - 6] != '(') return 0;
  int64_t year = 0;
  return parse_int(title.substr(title.size() - 5, 4), &year) ? year : 0;
}

// "events[12]: ..." -> 12: the index Recommender puts in front of the reason
// when it refuses a batch.
std::optional<size_t> leading_index(std::string_view message) {
  const size_t open = message.find('[');
  const size_t close = message.find("]: ");
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  int64_t index = 0;
  if (!parse_int(message.substr(open + 1, close - open - 1), &index) || index < 0) {
    return std::nullopt;
  }
  return static_cast<size_t>(index);
}

// The standard ml-100k genre list, used when u.genre is not next to u.item.
constexpr std::array<std::string_view, 19> kMl100kGenres = {
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western"};

// Genre labels MovieLens uses for "no genre": not tags.
bool is_no_genre(std::string_view g) { return g == "(no genres listed)" || g == "unknown"; }

enum class MovieLensKind { kMoviesDat, kRatingsDat, kMoviesCsv, kRatingsCsv, kUItem, kUData };

struct InputFile {
  MovieLensKind kind;  // movielens only: which file of a release this is
  std::string path;
};

bool is_movies(MovieLensKind k) {
  return k == MovieLensKind::kMoviesDat || k == MovieLensKind::kMoviesCsv ||
         k == MovieLensKind::kUItem;
}

std::optional<MovieLensKind> movielens_kind(std::string_view name) {
  if (name == "movies.dat") return MovieLensKind::kMoviesDat;
  if (name == "ratings.dat") return MovieLensKind::kRatingsDat;
  if (name == "movies.csv") return MovieLensKind::kMoviesCsv;
  if (name == "ratings.csv") return MovieLensKind::kRatingsCsv;
  if (name == "u.item") return MovieLensKind::kUItem;
  if (name == "u.data") return MovieLensKind::kUData;
  return std::nullopt;
}

class Importer {
 public:
  Importer(const ImportOptions& options, ImportSink& sink, ImportSummary* summary)
      : options_(options), sink_(sink), summary_(*summary) {}

  // Checks the options and lists the files to read, in order.
  Status plan(std::vector<InputFile>* files) {
    if (options_.batch < 1 || options_.batch > 10000) {
      return Status::invalid_argument("batch must be between 1 and 10000, got " +
                                      std::to_string(options_.batch));
    }
    if (options_.paths.empty()) return Status::invalid_argument("no input paths given");
    return options_.format == ImportFormat::kMovieLens ? find_movielens(files)
                                                       : check_plain_files(files);
  }

  Status run() {
    std::vector<InputFile> files;
    Status st = plan(&files);
    if (!st.is_ok()) return st;
    for (const auto& f : files) {
      std::error_code ec;
      const auto size = fs::file_size(f.path, ec);
      if (!ec) bytes_total_ += size;
    }
    if (options_.format == ImportFormat::kPairs) {
      // Ends before "now" even if every line were the shortest possible "a b\n".
      const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
      next_pair_ms_ = options_.pairs_base_ms.value_or(
          now_ms - static_cast<int64_t>((bytes_total_ + 3) / 4));
    }
    for (const auto& f : files) {
      st = import_file(f);
      if (!st.is_ok()) return st;
    }
    return Status::ok();
  }

 private:
  // pairs / jsonl: every path must be a readable regular file.
  Status check_plain_files(std::vector<InputFile>* files) {
    for (const auto& p : options_.paths) {
      std::error_code ec;
      if (!fs::exists(p, ec)) return Status::not_found(p + ": no such file");
      if (!fs::is_regular_file(p, ec)) return Status::invalid_argument(p + ": not a regular file");
      files->push_back({MovieLensKind::kUData, p});  // the kind is not used
    }
    return Status::ok();
  }

  // Movies first (the catalog), then ratings, in the order the paths were given.
  Status find_movielens(std::vector<InputFile>* files) {
    std::vector<InputFile> movies, ratings;
    auto add = [&](MovieLensKind kind, const std::string& path) {
      (is_movies(kind) ? movies : ratings).push_back({kind, path});
    };
    for (const auto& p : options_.paths) {
      std::error_code ec;
      if (!fs::exists(p, ec)) return Status::not_found(p + ": no such file or folder");
      if (fs::is_directory(p, ec)) {
        for (const char* name : {"movies.dat", "movies.csv", "u.item", "ratings.dat",
                                 "ratings.csv", "u.data"}) {
          const fs::path candidate = fs::path(p) / name;
          if (fs::is_regular_file(candidate, ec)) add(*movielens_kind(name), candidate.string());
        }
        continue;
      }
      const std::string name = fs::path(p).filename().string();
      if (auto kind = movielens_kind(name)) {
        add(*kind, p);
      } else {
        summary_.warnings.push_back(p + ": ignored (not a MovieLens movies or ratings file)");
      }
    }
    std::string where;
    for (const auto& p : options_.paths) where += (where.empty() ? "" : ", ") + p;
    if (movies.empty() && ratings.empty()) {
      return Status::not_found(
          "no MovieLens files in " + where +
          " (expected movies.dat + ratings.dat, movies.csv + ratings.csv, or u.item + u.data)");
    }
    if (ratings.empty()) {
      summary_.warnings.push_back("ratings not found in " + where +
                                  " (ratings.dat, ratings.csv or u.data): imported movies only");
    }
    if (movies.empty()) {
      summary_.warnings.push_back("movies not found in " + where +
                                  " (movies.dat, movies.csv or u.item): imported ratings only");
    }
    *files = std::move(movies);
    files->insert(files->end(), ratings.begin(), ratings.end());
    return Status::ok();
  }

  Status import_file(const InputFile& f) {
    file_ = f.path;
    LineReader reader;
    Status st = reader.open(f.path);
    if (!st.is_ok()) return st;
    ++summary_.files;
    csv_columns_.clear();
    if (f.kind == MovieLensKind::kUItem) load_genre_names(f.path);

    std::string_view line;
    bool too_long = false;
    std::string pending;  // a CSV record whose quoted field spans lines
    const bool csv = f.kind == MovieLensKind::kMoviesCsv || f.kind == MovieLensKind::kRatingsCsv;
    line_ = 0;
    while (reader.next(&line, &too_long)) {
      ++line_;
      ++summary_.lines;
      if (too_long) {
        st = bad_line(line_, "line longer than 64 MiB");
        if (!st.is_ok()) return st;
        continue;
      }
      if (line_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
      if (summary_.lines % kProgressEveryLines == 0) report(reader.consumed());
      std::string err;
      if (options_.format == ImportFormat::kMovieLens && csv) {
        std::string_view record = line;
        if (!pending.empty()) {
          pending += '\n';
          pending += line;
          record = pending;
        }
        const CsvResult r = parse_csv_record(record, &fields_);
        if (r == CsvResult::kNeedMore) {
          if (pending.empty()) {
            pending.assign(line);
            record_line_ = line_;
          }
          continue;
        }
        if (pending.empty()) record_line_ = line_;
        pending.clear();
        err = r == CsvResult::kError ? "malformed CSV (a quote out of place)" : csv_record(f.kind);
      } else {
        record_line_ = line_;
        if (!is_blank(line)) err = text_line(f.kind, line);
      }
      if (!err.empty()) {
        st = bad_line(record_line_, err);
        if (!st.is_ok()) return st;
      }
      if (events_.size() >= options_.batch) st = flush_events();
      if (st.is_ok() && items_.size() >= options_.batch) st = flush_items();
      if (!st.is_ok()) return st;
    }
    if (!pending.empty()) {
      st = bad_line(record_line_, "a quoted CSV field is never closed");
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

  // ---- formats: each returns "" or what is wrong with the line ----

  std::string pairs_line(std::string_view line) {
    split_whitespace(line, &parts_);
    if (parts_.size() != 2) {
      return "expected two columns `user item`, found " + std::to_string(parts_.size());
    }
    EventInput e;
    e.user.assign(parts_[0]);
    e.item.assign(parts_[1]);
    e.type = "view";
    e.ts_ms = next_pair_ms_;
    std::string err = add_event(std::move(e));
    if (err.empty()) ++next_pair_ms_;
    return err;
  }

  std::string jsonl_line(std::string_view line) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec) return "not valid JSON: " + ec.message();
    if (!v.is_object()) return "expected a JSON object";
    const auto& obj = v.get_object();
    if (obj.contains("user")) {
      EventInput e;
      Status st = decode_event(v, &e);
      if (!st.is_ok()) return st.message();
      return add_event(std::move(e));
    }
    if (obj.contains("id")) {
      Item item;
      Status st = decode_item(v, &item);
      if (!st.is_ok()) return st.message();
      return add_item(std::move(item));
    }
    return "neither an event (needs \"user\") nor an item (needs \"id\")";
  }

  std::string text_line(MovieLensKind kind, std::string_view line) {
    switch (options_.format) {
      case ImportFormat::kJsonl: return jsonl_line(line);
      case ImportFormat::kPairs: return pairs_line(line);
      case ImportFormat::kMovieLens: return movielens_line(kind, line);
    }
    return "internal: unknown format";
  }

  // `::`-separated ML-1M/10M files and ml-100k's u.item (|) and u.data (tab).
  std::string movielens_line(MovieLensKind kind, std::string_view line) {
    switch (kind) {
      case MovieLensKind::kMoviesDat: {
        const std::string text = to_utf8(line);
        split(text, "::", &parts_);
        if (parts_.size() != 3) return "expected MovieID::Title::Genres";
        split(parts_[2], "|", &genres_);
        return add_movie(parts_[0], parts_[1], genres_, 0);
      }
      case MovieLensKind::kRatingsDat:
        split(line, "::", &parts_);
        if (parts_.size() != 4) return "expected UserID::MovieID::Rating::Timestamp";
        return add_rating(parts_[0], parts_[1], parts_[2], parts_[3]);
      case MovieLensKind::kUItem: {
        const std::string text = to_utf8(line);
        split(text, "|", &parts_);
        if (parts_.size() != 5 + genre_names_.size()) {
          return "expected " + std::to_string(5 + genre_names_.size()) +
                 " '|'-separated fields (id|title|release date|video date|url|genre flags)";
        }
        genres_.clear();
        for (size_t g = 0; g < genre_names_.size(); ++g) {
          if (parts_[5 + g] == "1") genres_.push_back(genre_names_[g]);
          else if (parts_[5 + g] != "0") return "genre flag is not 0 or 1";
        }
        // Release dates look like "01-Jan-1995": the year backs up a title without one.
        int64_t year = 0;
        const std::string_view date = parts_[2];
        if (date.size() >= 4) parse_int(date.substr(date.size() - 4), &year);
        return add_movie(parts_[0], parts_[1], genres_, year);
      }
      case MovieLensKind::kUData:
        split_whitespace(line, &parts_);
        if (parts_.size() != 4) return "expected user, item, rating, timestamp (tab-separated)";
        return add_rating(parts_[0], parts_[1], parts_[2], parts_[3]);
      default:
        return "internal: not a line-based MovieLens file";
    }
  }

  // ml-latest: the header names the columns; records are RFC 4180 CSV.
  std::string csv_record(MovieLensKind kind) {
    const bool movies = kind == MovieLensKind::kMoviesCsv;
    const std::array<std::string_view, 4> want =
        movies ? std::array<std::string_view, 4>{"movieId", "title", "genres", ""}
               : std::array<std::string_view, 4>{"userId", "movieId", "rating", "timestamp"};
    const size_t need = movies ? 3 : 4;
    if (record_line_ == 1) {  // the header
      csv_columns_.assign(need, SIZE_MAX);
      for (size_t c = 0; c < fields_.size(); ++c) {
        for (size_t w = 0; w < need; ++w) {
          if (fields_[c] == want[w]) csv_columns_[w] = c;
        }
      }
      for (size_t w = 0; w < need; ++w) {
        if (csv_columns_[w] == SIZE_MAX) {
          return "header lacks the column \"" + std::string(want[w]) + "\"";
        }
      }
      return {};
    }
    if (csv_columns_.size() != need) return "no usable header line";
    std::array<std::string_view, 4> v;
    for (size_t w = 0; w < need; ++w) {
      if (csv_columns_[w] >= fields_.size()) {
        return "expected " + std::to_string(need) + " fields, found " +
               std::to_string(fields_.size());
      }
      v[w] = fields_[csv_columns_[w]];
    }
    if (!movies) return add_rating(v[0], v[1], v[2], v[3]);
    const std::string title = to_utf8(v[1]);
    split(v[2], "|", &genres_);
    return add_movie(v[0], title, genres_, 0);
  }

  // For a header-less u.item: genre names from u.genre in the same folder.
  void load_genre_names(const std::string& item_path) {
    genre_names_.assign(kMl100kGenres.begin(), kMl100kGenres.end());
    LineReader reader;
    const fs::path genre_path = fs::path(item_path).parent_path() / "u.genre";
    if (!reader.open(genre_path.string()).is_ok()) return;
    std::vector<std::string> names;
    std::string_view line;
    bool too_long = false;
    while (reader.next(&line, &too_long)) {
      if (is_blank(line)) continue;
      split(line, "|", &parts_);
      int64_t index = 0;
      if (parts_.size() != 2 || !parse_int(parts_[1], &index) ||
          index != static_cast<int64_t>(names.size())) {
        summary_.warnings.push_back(genre_path.string() +
                                    ": not understood, using the standard genre list");
        return;
      }
      names.emplace_back(parts_[0]);
    }
    genre_names_ = std::move(names);
  }

  std::string add_movie(std::string_view id, std::string_view title,
                        const std::vector<std::string_view>& genres, int64_t fallback_year) {
    Item item;
    item.id.assign(id);
    item.title.assign(title);
    for (std::string_view g : genres) {
      if (g.empty() || is_no_genre(g)) continue;
      std::string tag = to_lower_ascii(g);
      if (std::find(item.tags.begin(), item.tags.end(), tag) == item.tags.end()) {
        item.tags.push_back(std::move(tag));
      }
    }
    const int64_t year = year_in_title(title);
    if (year > 0 || fallback_year > 0) item.attributes["year"] = year > 0 ? year : fallback_year;
    return add_item(std::move(item));
  }

  std::string add_rating(std::string_view user, std::string_view item, std::string_view rating,
                         std::string_view ts) {
    double weight = 0;
    int64_t seconds = 0;
    if (!parse_double(rating, &weight)) return "rating \"" + std::string(rating) + "\" is not a number";
    if (!parse_int(ts, &seconds) || seconds < 0 || seconds > (int64_t{1} << 40)) {
      return "timestamp \"" + std::string(ts) + "\" is not unix seconds";
    }
    EventInput e;
    e.user.assign(user);
    e.item.assign(item);
    e.type = "rating";
    e.weight = static_cast<float>(weight);
    e.ts_ms = seconds * 1000;
    return add_event(std::move(e));
  }

  // ---- batching ----

  std::string add_event(EventInput e) {
    // Checked here so that a bad line is reported with its FILE:LINE before
    // anything of its batch is sent.
    if (Status st = check_event(e); !st.is_ok()) return st.message();
    events_.push_back(std::move(e));
    event_lines_.push_back(record_line_);
    return {};
  }

  std::string add_item(Item item) {
    if (Status st = check_item(item); !st.is_ok()) return st.message();
    items_.push_back(std::move(item));
    item_lines_.push_back(record_line_);
    return {};
  }

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

 private:
  const ImportOptions& options_;
  ImportSink& sink_;
  ImportSummary& summary_;
  std::string file_;
  uint64_t line_ = 0;         // physical line just read
  uint64_t record_line_ = 0;  // first line of the record being parsed
  uint64_t bytes_total_ = 0;
  uint64_t bytes_before_ = 0;
  int64_t next_pair_ms_ = 0;
  ImportProgress progress_;
  std::vector<EventInput> events_;
  std::vector<uint64_t> event_lines_;
  std::vector<Item> items_;
  std::vector<uint64_t> item_lines_;
  std::vector<std::string_view> parts_, genres_;
  std::vector<std::string> fields_;
  std::vector<size_t> csv_columns_;
  std::vector<std::string> genre_names_;
};

}  // namespace

Status check_import_inputs(const ImportOptions& options) {
  try {
    struct NoSink final : ImportSink {
      Status ingest(std::span<const EventInput>, IngestResult*) override { return Status::ok(); }
      Status put_items(std::vector<Item>) override { return Status::ok(); }
    } sink;
    ImportSummary summary;
    std::vector<InputFile> files;
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

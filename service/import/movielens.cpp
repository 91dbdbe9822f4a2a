#include "service/import/movielens.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "service/import/fields.h"
#include "service/import/line_reader.h"
#include "service/utf8.h"
#include "service/validate.h"

namespace attnrec::service::importing {

namespace fs = std::filesystem;

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

namespace {

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

// The standard ml-100k genre list, used when u.genre is not next to u.item.
constexpr std::array<std::string_view, 19> kMl100kGenres = {
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western"};

// Genre labels MovieLens uses for "no genre": not tags.
bool is_no_genre(std::string_view g) { return g == "(no genres listed)" || g == "unknown"; }

enum class Kind { kMoviesDat, kRatingsDat, kMoviesCsv, kRatingsCsv, kUItem, kUData };

bool is_movies(Kind k) { return k == Kind::kMoviesDat || k == Kind::kMoviesCsv || k == Kind::kUItem; }

// Which file of a release `name` (a file name without folder) is.
std::optional<Kind> kind_of(std::string_view name) {
  if (name == "movies.dat") return Kind::kMoviesDat;
  if (name == "ratings.dat") return Kind::kRatingsDat;
  if (name == "movies.csv") return Kind::kMoviesCsv;
  if (name == "ratings.csv") return Kind::kRatingsCsv;
  if (name == "u.item") return Kind::kUItem;
  if (name == "u.data") return Kind::kUData;
  return std::nullopt;
}

class MovieLensParser final : public LineParser {
 public:
  // Movies first (the catalog), then ratings, in the order the paths were given.
  Status list_files(const std::vector<std::string>& paths, std::vector<std::string>* files,
                    std::vector<std::string>* warnings) override {
    std::vector<std::string> movies, ratings;
    auto add = [&](Kind kind, const std::string& path) {
      (is_movies(kind) ? movies : ratings).push_back(path);
    };
    for (const auto& p : paths) {
      std::error_code ec;
      if (!fs::exists(p, ec)) return Status::not_found(p + ": no such file or folder");
      if (fs::is_directory(p, ec)) {
        for (const char* name : {"movies.dat", "movies.csv", "u.item", "ratings.dat",
                                 "ratings.csv", "u.data"}) {
          const fs::path candidate = fs::path(p) / name;
          if (fs::is_regular_file(candidate, ec)) add(*kind_of(name), candidate.string());
        }
        continue;
      }
      if (auto kind = kind_of(fs::path(p).filename().string())) {
        add(*kind, p);
      } else {
        warnings->push_back(p + ": ignored (not a MovieLens movies or ratings file)");
      }
    }
    std::string where;
    for (const auto& p : paths) where += (where.empty() ? "" : ", ") + p;
    if (movies.empty() && ratings.empty()) {
      return Status::not_found(
          "no MovieLens files in " + where +
          " (expected movies.dat + ratings.dat, movies.csv + ratings.csv, or u.item + u.data)");
    }
    if (ratings.empty()) {
      warnings->push_back("ratings not found in " + where +
                          " (ratings.dat, ratings.csv or u.data): imported movies only");
    }
    if (movies.empty()) {
      warnings->push_back("movies not found in " + where +
                          " (movies.dat, movies.csv or u.item): imported ratings only");
    }
    *files = std::move(movies);
    files->insert(files->end(), ratings.begin(), ratings.end());
    return Status::ok();
  }

  void begin_file(const std::string& path, std::vector<std::string>* warnings) override {
    // list_files only lists files with these names.
    kind_ = kind_of(fs::path(path).filename().string()).value_or(Kind::kUData);
    csv_columns_.clear();
    pending_.clear();
    if (kind_ == Kind::kUItem) load_genre_names(path, warnings);
  }

  std::string parse_line(std::string_view line, uint64_t number, ParseOutput& out) override {
    if (kind_ == Kind::kMoviesCsv || kind_ == Kind::kRatingsCsv) return csv_line(line, number, out);
    if (is_blank(line)) return {};
    return text_line(line, out);
  }

  bool in_record() const override { return !pending_.empty(); }

  std::string finish_file() override {
    if (pending_.empty()) return {};
    pending_.clear();
    return "a quoted CSV field is never closed";
  }

 private:
  // `::`-separated ML-1M/10M files and ml-100k's u.item (|) and u.data (tab).
  std::string text_line(std::string_view line, ParseOutput& out) {
    switch (kind_) {
      case Kind::kMoviesDat: {
        const std::string text = to_utf8(line);
        split(text, "::", &parts_);
        if (parts_.size() != 3) return "expected MovieID::Title::Genres";
        split(parts_[2], "|", &genres_);
        return add_movie(parts_[0], parts_[1], genres_, 0, out);
      }
      case Kind::kRatingsDat:
        split(line, "::", &parts_);
        if (parts_.size() != 4) return "expected UserID::MovieID::Rating::Timestamp";
        return add_rating(parts_[0], parts_[1], parts_[2], parts_[3], out);
      case Kind::kUItem: {
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
        return add_movie(parts_[0], parts_[1], genres_, year, out);
      }
      case Kind::kUData:
        split_whitespace(line, &parts_);
        if (parts_.size() != 4) return "expected user, item, rating, timestamp (tab-separated)";
        return add_rating(parts_[0], parts_[1], parts_[2], parts_[3], out);
      default:
        return "internal: not a line-based MovieLens file";
    }
  }

  // ml-latest: RFC 4180 records, which may span lines (a quoted field
  // holding a newline); the record starting on line 1 is the header.
  std::string csv_line(std::string_view line, uint64_t number, ParseOutput& out) {
    std::string_view record = line;
    if (!pending_.empty()) {
      pending_ += '\n';
      pending_ += line;
      record = pending_;
    } else {
      record_first_line_ = number;
    }
    const CsvResult r = parse_csv_record(record, &fields_);
    if (r == CsvResult::kNeedMore) {
      if (pending_.empty()) pending_.assign(line);
      return {};
    }
    pending_.clear();
    if (r == CsvResult::kError) return "malformed CSV (a quote out of place)";
    return csv_record(out);
  }

  // One complete record in fields_: the header names the columns.
  std::string csv_record(ParseOutput& out) {
    const bool movies = kind_ == Kind::kMoviesCsv;
    const std::array<std::string_view, 4> want =
        movies ? std::array<std::string_view, 4>{"movieId", "title", "genres", ""}
               : std::array<std::string_view, 4>{"userId", "movieId", "rating", "timestamp"};
    const size_t need = movies ? 3 : 4;
    if (record_first_line_ == 1) {  // the header
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
    if (!movies) return add_rating(v[0], v[1], v[2], v[3], out);
    const std::string title = to_utf8(v[1]);
    split(v[2], "|", &genres_);
    return add_movie(v[0], title, genres_, 0, out);
  }

  // For a header-less u.item: genre names from u.genre in the same folder.
  void load_genre_names(const std::string& item_path, std::vector<std::string>* warnings) {
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
        warnings->push_back(genre_path.string() + ": not understood, using the standard genre list");
        return;
      }
      names.emplace_back(parts_[0]);
    }
    genre_names_ = std::move(names);
  }

  static std::string add_movie(std::string_view id, std::string_view title,
                               const std::vector<std::string_view>& genres, int64_t fallback_year,
                               ParseOutput& out) {
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
    return out.add_item(std::move(item));
  }

  static std::string add_rating(std::string_view user, std::string_view item,
                                std::string_view rating, std::string_view ts, ParseOutput& out) {
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
    return out.add_event(std::move(e));
  }

  Kind kind_ = Kind::kUData;
  std::string pending_;             // a CSV record whose quoted field spans lines
  uint64_t record_first_line_ = 0;  // CSV: the line the current record started on
  std::vector<std::string_view> parts_, genres_;
  std::vector<std::string> fields_;
  std::vector<size_t> csv_columns_;
  std::vector<std::string> genre_names_;
};

}  // namespace

std::unique_ptr<LineParser> make_movielens_parser() { return std::make_unique<MovieLensParser>(); }

}  // namespace attnrec::service::importing

// The demo data's synthetic movie catalog (shape: service/demo/demo_data.h):
// titles, genres, moods, synopses and series, plus the popularity and
// "related item" tables that simulated users choose from. It depends only on
// (seed, items). Internal to service/demo/.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"

namespace attnrec::service::demo {

inline constexpr size_t kRelatedPerItem = 5;
inline constexpr int kDramaGenre = 7;  // the genre with most standalone items

// One catalog entry before it gets its id.
struct Spec {
  int genre = 0;
  int genre2 = -1;
  std::vector<int> moods;
  int series = -1;  // index into MovieCatalog::series_parts
  int part = 0;     // 1-based part within the series
  std::string title;
  std::string text;
  int64_t year = 0;
  int64_t minutes = 0;
};

// The catalog plus what users need to choose from it, by item index.
struct MovieCatalog {
  std::vector<Spec> specs;
  std::vector<std::string> series_names;
  std::vector<std::vector<int>> series_parts;   // series -> item indexes, part order
  std::vector<WeightedChoice> by_genre;         // entry items of a genre, Zipf-like
  std::vector<std::vector<int>> genre_entries;  // genre -> entry items (by_genre's order)
  WeightedChoice global;                        // every entry item, same weights
  std::vector<int> global_entries;              // by decreasing weight
  std::vector<std::array<int, kRelatedPerItem>> related;  // -1 = none
};

// Fills *c with `items` entries (items >= 50) drawn from `seed`; entries are
// in id order (shuffled, so that nothing can be read from the ids).
void build_movie_catalog(uint64_t seed, size_t items, MovieCatalog* c);

// Names of a genre / mood index (Spec::genre, Spec::moods).
std::string_view genre_name(int genre);
std::string_view mood_name(int mood);

// Genre i weighted by its share of standalone items (series_only: genres
// without series get 0).
WeightedChoice genre_shares(bool series_only);

}  // namespace attnrec::service::demo

#include "service/demo_data.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <utility>

#include <boost/json/serialize.hpp>

#include "base/random.h"
#include "service/codec.h"

namespace attnrec::service {

namespace {

namespace fs = std::filesystem;

constexpr int64_t kDaySeconds = 86400;
constexpr uint64_t kPopularityScale = uint64_t{1} << 24;
constexpr size_t kRelatedPerItem = 5;

// Independent streams: the catalog's depends on the seed only, user u's on
// (seed, u), so that more users leave the first users' events unchanged.
constexpr uint64_t kCatalogStream = 1;
constexpr uint64_t kUserStream = 2;

constexpr std::array<std::string_view, 10> kMoods = {
    "feel-good", "dark", "funny", "tense", "heartwarming",
    "thought-provoking", "epic", "quirky", "gritty", "romantic"};

struct Genre {
  std::string_view name;
  uint64_t share;                         // weight among standalone items
  bool series;                            // do series come in this genre?
  int min_minutes, max_minutes;
  std::array<int, 3> moods;               // indexes into kMoods
  std::array<std::string_view, 4> roles;  // synopsis vocabulary
  std::array<std::string_view, 4> goals;
  std::array<std::string_view, 3> settings;
};

const std::array<Genre, 10> kGenres = {{
    {"sci-fi", 9, true, 95, 150, {6, 3, 5},
     {"a starship engineer", "a rogue android", "a young cadet", "an exiled scientist"},
     {"stop a rogue AI", "find a way home across the stars", "save a dying colony",
      "decode a signal from deep space"},
     {"a generation ship", "a flooded future city", "a mining colony on Titan"}},
    {"romance", 10, false, 90, 125, {9, 4, 0},
     {"a wedding planner", "a widowed baker", "two rival chefs", "a touring musician"},
     {"win back a first love", "choose between two lives", "keep a promise made years ago",
      "fall for the wrong person"},
     {"a seaside town", "rainy Paris", "a small vineyard"}},
    {"comedy", 14, true, 85, 115, {2, 7, 0},
     {"a hapless substitute teacher", "two estranged brothers", "a retired magician",
      "an overconfident intern"},
     {"pull off a ridiculous heist", "survive a family reunion", "fake a perfect vacation",
      "save the local bowling alley"},
     {"a chaotic wedding", "a failing summer camp", "a cramped road-trip van"}},
    {"horror", 8, true, 85, 110, {1, 3, 8},
     {"a night-shift nurse", "a group of students", "a grieving mother", "a skeptical priest"},
     {"escape a house that will not let go", "survive until dawn", "lift an old family curse",
      "find what lives beneath the lake"},
     {"an abandoned asylum", "a remote cabin", "a fog-bound village"}},
    {"documentary", 8, true, 75, 110, {5, 6, 4},
     {"a marine biologist", "a team of climbers", "a village of beekeepers",
      "a veteran photographer"},
     {"follow the longest migration on Earth", "climb an unclimbed peak", "rebuild after a flood",
      "record a vanishing craft"},
     {"the Arctic", "the Amazon basin", "the deep ocean"}},
    {"animation", 8, true, 80, 100, {0, 2, 4},
     {"a curious robot", "a brave little fox", "a young dragon", "a lost paper boat"},
     {"find its way back home", "learn to fly", "save the enchanted forest",
      "make an unlikely friend"},
     {"a kingdom of toys", "a floating island", "a busy city of mice"}},
    {"thriller", 11, true, 100, 140, {3, 1, 8},
     {"a disgraced detective", "an undercover journalist", "a former spy",
      "a hostage negotiator"},
     {"expose a conspiracy", "clear a stolen name", "stop a bombing", "find a missing witness"},
     {"a locked-down embassy", "a night train through the Alps", "a city under blackout"}},
    {"drama", 16, false, 100, 150, {5, 4, 8},
     {"a struggling single father", "an aging boxer", "a young immigrant",
      "a small-town doctor"},
     {"hold a family together", "fight one last time", "find a place in a new country",
      "face a difficult truth"},
     {"a fading mill town", "post-war Berlin", "a crowded hospital"}},
    {"family", 8, true, 85, 110, {0, 4, 2},
     {"a mischievous puppy", "three siblings", "a kind-hearted grandmother", "a shy new kid"},
     {"save the family farm", "win the big science fair", "find a runaway pony",
      "plan the perfect holiday"},
     {"a snowy mountain town", "a summer by the lake", "a big old house"}},
    {"fantasy", 8, true, 100, 160, {6, 1, 7},
     {"an apprentice wizard", "a banished princess", "a reluctant knight",
      "a thief with a magic map"},
     {"recover a stolen crown", "break an ancient spell", "defeat the shadow king",
      "find the last dragon"},
     {"a realm of floating castles", "an enchanted forest", "the frozen north"}},
}};

constexpr std::array<std::string_view, 40> kAdjectives = {
    "Silent", "Hidden", "Broken", "Golden", "Last", "Crimson", "Distant", "Frozen",
    "Burning", "Secret", "Lost", "Midnight", "Wild", "Quiet", "Endless", "Fallen",
    "Hollow", "Shining", "Restless", "Bitter", "Electric", "Velvet", "Savage", "Gentle",
    "Iron", "Paper", "Glass", "Northern", "Forgotten", "Little", "Brave", "Lonely",
    "Bright", "Final", "Second", "Open", "Stolen", "Sleeping", "Scarlet", "Winding"};

constexpr std::array<std::string_view, 48> kNouns = {
    "Harbor", "Garden", "Kingdom", "River", "Signal", "Mirror", "Letter", "Summer",
    "Winter", "Horizon", "Promise", "Shadow", "Island", "Station", "Empire", "Orchard",
    "Lighthouse", "Frontier", "Whisper", "Storm", "Engine", "Crown", "Forest", "Bridge",
    "Valley", "Circus", "Echo", "Canyon", "Melody", "Compass", "Lantern", "Tide",
    "Archive", "Carnival", "Harvest", "Labyrinth", "Meadow", "Orbit", "Planet", "Ritual",
    "Symphony", "Tower", "Village", "Wolf", "Masquerade", "Passage", "Sparrow", "Cathedral"};

constexpr std::array<std::string_view, 16> kPlaces = {
    "Avalon", "Brightwater", "the North", "Eldoria", "Kestrel Bay", "Marrowdale",
    "the Long Road", "Saint Clair", "Ashford", "the Deep", "Verona Street", "Blackmoor",
    "Highgate", "the Salt Flats", "Winterfall", "Coldwater"};

constexpr std::array<std::string_view, 20> kSeriesFirst = {
    "Star", "Shadow", "Dragon", "Galaxy", "Ghost", "Mystic", "Robo", "Pirate", "Frost",
    "Thunder", "Crystal", "Night", "Iron", "Ocean", "Sky", "Moon", "Ember", "Storm",
    "Neon", "Wild"};

constexpr std::array<std::string_view, 16> kSeriesSecond = {
    "Voyage", "Protocol", "Keep", "Quest", "Academy", "Chronicles", "Saga", "Patrol",
    "Legacy", "Files", "Odyssey", "Tales", "Rising", "Hunters", "Kingdom", "Run"};

template <typename T, size_t N>
std::string_view pick(Rng& rng, const std::array<T, N>& words) {
  return words[rng.below64(N)];
}

std::string id_of(char prefix, size_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%05zu", prefix, index + 1);
  return buf;
}

// One catalog entry before it gets its id.
struct Spec {
  int genre = 0;
  int genre2 = -1;
  std::vector<int> moods;
  int series = -1;  // index into Catalog::series_parts
  int part = 0;     // 1-based part within the series
  std::string title;
  std::string text;
  int64_t year = 0;
  int64_t minutes = 0;
};

// The catalog plus what users need to choose from it, by item index.
struct Catalog {
  std::vector<Spec> specs;
  std::vector<std::string> series_names;
  std::vector<std::vector<int>> series_parts;  // series -> item indexes, part order
  std::vector<WeightedChoice> by_genre;              // entry items of a genre, Zipf-like
  std::vector<std::vector<int>> genre_entries;
  WeightedChoice global;                             // every entry item, same weights
  std::vector<int> global_entries;             // by decreasing weight
  std::vector<std::array<int, kRelatedPerItem>> related;  // -1 = none
};

std::string synopsis(Rng& rng, const Genre& g, int mood) {
  const std::string_view role = pick(rng, g.roles);
  const std::string_view goal = pick(rng, g.goals);
  const std::string_view setting = pick(rng, g.settings);
  std::string s;
  switch (rng.below64(3)) {
    case 0:
      s = std::string(role) + " must " + std::string(goal) + " in " + std::string(setting) + ".";
      break;
    case 1:
      s = "In " + std::string(setting) + ", " + std::string(role) + " tries to " +
          std::string(goal) + ".";
      break;
    default:
      s = (kMoods[mood][0] == 'e' ? "An " : "A ") + std::string(kMoods[mood]) + " " +
          std::string(g.name) + " story in which " +
          std::string(role) + " sets out to " + std::string(goal) + ".";
  }
  if (s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::vector<int> moods_for(Rng& rng, const Genre& g) {
  std::vector<int> moods{g.moods[rng.below64(3)]};
  if (rng.chance(400)) {
    // A second mood, now and then one atypical of the genre.
    const int extra = rng.chance(150) ? static_cast<int>(rng.below64(kMoods.size()))
                                      : g.moods[rng.below64(3)];
    if (extra != moods[0]) moods.push_back(extra);
  }
  return moods;
}

std::string unique_title(Rng& rng, std::unordered_set<std::string>* used, size_t index) {
  for (int attempt = 0; attempt < 32; ++attempt) {
    std::string t;
    switch (rng.below64(4)) {
      case 0: t = "The " + std::string(pick(rng, kAdjectives)) + " " + std::string(pick(rng, kNouns)); break;
      case 1: t = std::string(pick(rng, kAdjectives)) + " " + std::string(pick(rng, kNouns)); break;
      case 2: t = "The " + std::string(pick(rng, kNouns)) + " of " + std::string(pick(rng, kPlaces)); break;
      default: t = std::string(pick(rng, kNouns)) + "s of " + std::string(pick(rng, kPlaces)); break;
    }
    if (used->insert(t).second) return t;
  }
  std::string t = "Untitled " + std::to_string(index + 1);  // only for huge catalogs
  used->insert(t);
  return t;
}

std::string unique_series_name(Rng& rng, std::unordered_set<std::string>* used, size_t index) {
  for (int attempt = 0; attempt < 32; ++attempt) {
    std::string n = std::string(pick(rng, kSeriesFirst)) + " " + std::string(pick(rng, kSeriesSecond));
    if (attempt >= 16) n += ": " + std::string(pick(rng, kPlaces));
    if (used->insert(n).second) return n;
  }
  std::string n = "Saga " + std::to_string(index + 1);
  used->insert(n);
  return n;
}

WeightedChoice genre_shares(bool series_only) {
  WeightedChoice w;
  for (const auto& g : kGenres) w.add(series_only && !g.series ? 0 : g.share);
  return w;
}

void build_catalog(const DemoOptions& options, Catalog* c) {
  Rng rng(mix_seed(options.seed, kCatalogStream));
  std::unordered_set<std::string> titles, names;
  const WeightedChoice series_genres = genre_shares(true);
  const WeightedChoice standalone_genres = genre_shares(false);

  // Series: about one item in six, 3-6 parts each.
  const size_t series_budget = options.items / 6;
  size_t in_series = 0;
  while (true) {
    const size_t parts = static_cast<size_t>(rng.between(3, 6));
    if (in_series + parts > series_budget) break;
    const int s = static_cast<int>(c->series_parts.size());
    const int genre = static_cast<int>(series_genres.pick(rng));
    const Genre& g = kGenres[genre];
    const std::vector<int> moods = moods_for(rng, g);
    c->series_names.push_back(unique_series_name(rng, &names, c->series_parts.size()));
    c->series_parts.emplace_back();
    int64_t year = rng.between(1978, 2012);
    for (size_t k = 1; k <= parts; ++k) {
      Spec sp;
      sp.genre = genre;
      sp.moods = moods;
      sp.series = s;
      sp.part = static_cast<int>(k);
      sp.title = c->series_names.back() + " " + std::to_string(k);
      sp.text = "Part " + std::to_string(k) + " of " + c->series_names.back() + ". " +
                synopsis(rng, g, moods[0]);
      sp.year = std::min<int64_t>(year, 2024);
      sp.minutes = rng.between(g.min_minutes, g.max_minutes);
      year += rng.between(1, 4);
      c->specs.push_back(std::move(sp));
    }
    in_series += parts;
  }
  while (c->specs.size() < options.items) {
    Spec sp;
    sp.genre = static_cast<int>(standalone_genres.pick(rng));
    if (rng.chance(250)) {
      const int second = static_cast<int>(standalone_genres.pick(rng));
      if (second != sp.genre) sp.genre2 = second;
    }
    const Genre& g = kGenres[sp.genre];
    sp.moods = moods_for(rng, g);
    sp.title = unique_title(rng, &titles, c->specs.size());
    sp.text = synopsis(rng, g, sp.moods[0]);
    sp.year = rng.between(1970, 2024);
    sp.minutes = rng.between(g.min_minutes, g.max_minutes);
    c->specs.push_back(std::move(sp));
  }
  // Ids are given in shuffled order, so that nothing can be read from them.
  rng.shuffle(c->specs);
  for (auto& parts : c->series_parts) parts.clear();
  for (size_t i = 0; i < c->specs.size(); ++i) {
    const Spec& sp = c->specs[i];
    if (sp.series < 0) continue;
    auto& parts = c->series_parts[sp.series];
    if (parts.size() < static_cast<size_t>(sp.part)) parts.resize(sp.part, -1);
    parts[sp.part - 1] = static_cast<int>(i);
  }

  // Popularity: within each genre a random rank r gives weight ~ 1/(r+3);
  // series openers count double. Only entry items (standalone or part 1)
  // are ever picked this way: later parts are reached in order.
  std::vector<uint64_t> weight(c->specs.size(), 0);
  c->genre_entries.assign(kGenres.size(), {});
  for (size_t i = 0; i < c->specs.size(); ++i) {
    const Spec& sp = c->specs[i];
    if (sp.part > 1) continue;
    c->genre_entries[sp.genre].push_back(static_cast<int>(i));
    if (sp.genre2 >= 0) c->genre_entries[sp.genre2].push_back(static_cast<int>(i));
  }
  c->by_genre.assign(kGenres.size(), {});
  for (size_t g = 0; g < kGenres.size(); ++g) {
    auto& entries = c->genre_entries[g];
    rng.shuffle(entries);
    for (size_t r = 0; r < entries.size(); ++r) {
      const Spec& sp = c->specs[entries[r]];
      const uint64_t w = kPopularityScale / (r + 3) * (sp.part == 1 ? 2 : 1);
      c->by_genre[g].add(w);
      if (sp.genre == static_cast<int>(g)) weight[entries[r]] = w;
    }
  }
  for (size_t i = 0; i < c->specs.size(); ++i) {
    if (weight[i] > 0) c->global_entries.push_back(static_cast<int>(i));
  }
  std::stable_sort(c->global_entries.begin(), c->global_entries.end(),
                   [&](int a, int b) { return weight[a] > weight[b]; });
  for (int i : c->global_entries) c->global.add(weight[i]);

  // Related items: entries of the same genre sharing a mood, else of the same genre.
  c->related.assign(c->specs.size(), {});
  for (size_t i = 0; i < c->specs.size(); ++i) {
    const Spec& sp = c->specs[i];
    auto& rel = c->related[i];
    rel.fill(-1);
    const auto& entries = c->genre_entries[sp.genre];
    size_t n = 0;
    for (int attempt = 0; attempt < 60 && n < kRelatedPerItem && !entries.empty(); ++attempt) {
      const int j = entries[c->by_genre[sp.genre].pick(rng)];
      const Spec& other = c->specs[j];
      if (j == static_cast<int>(i) || (sp.series >= 0 && other.series == sp.series)) continue;
      if (std::find(rel.begin(), rel.end(), j) != rel.end()) continue;
      const bool shares_mood = std::find_first_of(sp.moods.begin(), sp.moods.end(),
                                                  other.moods.begin(), other.moods.end()) !=
                               sp.moods.end();
      if (shares_mood || attempt >= 40) rel[n++] = j;
    }
  }
}

struct UserEvent {
  int64_t ts = 0;  // seconds
  uint32_t user = 0;
  uint32_t seq = 0;  // order within the user
  int item = 0;
  uint8_t type = 0;  // 0 view, 1 rating, 2 purchase
  uint8_t rating = 0;
};

// One user's whole history, appended to `out`.
void simulate_user(const DemoOptions& options, const Catalog& c, uint32_t user,
                   std::vector<UserEvent>* out) {
  Rng rng(mix_seed(options.seed, kUserStream, user));
  const WeightedChoice all_genres = genre_shares(false);

  // Taste: 1-3 favourite genres, the first one strongest.
  static const WeightedChoice kFavouriteCount{30, 45, 25};  // 1, 2 or 3 genres
  static const WeightedChoice kSessionLength{35, 30, 20, 15};  // 1-4 items
  static const WeightedChoice kRatingInFavourite{20, 45, 35};  // 3-5 stars
  static const WeightedChoice kRatingOther{10, 25, 40, 25};    // 1-4 stars
  const size_t n_fav = 1 + kFavouriteCount.pick(rng);
  std::vector<int> favs;
  for (int attempt = 0; favs.size() < n_fav && attempt < 50; ++attempt) {
    const int g = static_cast<int>(all_genres.pick(rng));
    if (std::find(favs.begin(), favs.end(), g) == favs.end() && !c.genre_entries[g].empty()) {
      favs.push_back(g);
    }
  }
  if (favs.empty()) favs.push_back(7);  // drama always has entries in practice
  WeightedChoice fav_weights;
  for (size_t k = 0; k < favs.size(); ++k) fav_weights.add(std::array<uint64_t, 3>{60, 25, 15}[k]);

  // Activity: light, medium or heavy.
  const uint64_t tier = rng.below64(100);
  size_t n = static_cast<size_t>(tier < 50 ? rng.between(8, 35)
                                 : tier < 85 ? rng.between(35, 110)
                                             : rng.between(110, 280));
  n = std::min(n, c.specs.size() / 2);

  std::unordered_set<int> watched;
  std::vector<std::pair<int, int>> open;  // (series, next part), most recent last
  std::vector<int> items;                  // in watch order
  std::vector<size_t> session_sizes;
  int prev = -1;

  auto choose = [&](bool in_session) -> int {
    if (!open.empty()) {
      if (rng.chance(in_session ? 800 : 650)) {
        const auto [s, part] = open.back();
        return c.series_parts[s][part - 1];
      }
      if (rng.chance(100)) open.pop_back();  // loses interest in that series
    }
    if (prev >= 0 && in_session && rng.chance(450)) {
      static const WeightedChoice kRelatedRank{5, 4, 3, 2, 1};
      const int j = c.related[prev][kRelatedRank.pick(rng)];
      if (j >= 0 && !watched.count(j)) return j;
    }
    for (int attempt = 0; attempt < 8; ++attempt) {
      int j;
      if (rng.chance(60)) {
        j = c.global_entries[c.global.pick(rng)];
      } else {
        const int g = favs[fav_weights.pick(rng)];
        j = c.genre_entries[g][c.by_genre[g].pick(rng)];
      }
      if (!watched.count(j)) return j;
    }
    for (int j : c.global_entries) {
      if (!watched.count(j)) return j;
    }
    return -1;
  };

  while (items.size() < n) {
    const size_t len = 1 + kSessionLength.pick(rng);
    size_t k = 0;
    for (; k < len && items.size() < n; ++k) {
      const int j = choose(k > 0);
      if (j < 0) break;
      watched.insert(j);
      items.push_back(j);
      prev = j;
      const Spec& sp = c.specs[j];
      if (sp.series >= 0) {
        std::erase_if(open, [&](const auto& o) { return o.first == sp.series; });
        if (static_cast<size_t>(sp.part) < c.series_parts[sp.series].size()) {
          open.emplace_back(sp.series, sp.part + 1);
        }
      }
    }
    if (k == 0) break;  // nothing left to watch
    session_sizes.push_back(k);
  }

  // Time: sessions laid out in the user's active window, which ends within
  // two days of end_ms and spans 40-100% of the period.
  const int64_t period = options.days * kDaySeconds;
  const int64_t slack = rng.between(0, std::min<int64_t>(2 * kDaySeconds, period / 10));
  const int64_t window_end = options.end_ms / 1000 - slack;
  const int64_t window = rng.between(period * 2 / 5, period - slack);
  std::vector<int64_t> spans(items.size());  // watch time + a break after it
  int64_t busy = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    spans[i] = c.specs[items[i]].minutes * 60 + rng.between(300, 2700);
    busy += spans[i];
  }
  if (busy > window) {  // only with a short --days: squeeze to stay in the period
    int64_t squeezed = 0;
    for (auto& span : spans) {
      span = std::max<int64_t>(1, span * window / busy);
      squeezed += span;
    }
    busy = squeezed;
  }
  const int64_t idle = std::max<int64_t>(0, window - busy);
  std::vector<int64_t> cuts(session_sizes.size());
  for (auto& cut : cuts) cut = rng.between(0, idle);
  std::sort(cuts.begin(), cuts.end());
  int64_t t = window_end - std::max(window, busy);  // max: 1 s spans can still overflow
  size_t i = 0;
  int64_t last_cut = 0;
  for (size_t s = 0; s < session_sizes.size(); ++s) {
    t += cuts[s] - last_cut;
    last_cut = cuts[s];
    for (size_t k = 0; k < session_sizes[s]; ++k, ++i) {
      UserEvent e;
      e.ts = t;
      e.user = user;
      e.seq = static_cast<uint32_t>(i);
      e.item = items[i];
      const uint64_t r = rng.below64(1000);
      e.type = r < 30 ? 2 : r < 300 ? 1 : 0;
      if (e.type == 1) {
        const bool fav = std::find(favs.begin(), favs.end(), c.specs[e.item].genre) != favs.end();
        e.rating = static_cast<uint8_t>(fav ? 3 + kRatingInFavourite.pick(rng)
                                            : 1 + kRatingOther.pick(rng));
      }
      out->push_back(e);
      t += spans[i];
    }
  }
}

}  // namespace

Status generate_demo_data(const DemoOptions& options, DemoData* data, DemoSummary* summary) {
  if (options.users < 1 || options.users > 1000000) {
    return Status::invalid_argument("users must be between 1 and 1000000");
  }
  if (options.items < 50 || options.items > 1000000) {
    return Status::invalid_argument("items must be between 50 and 1000000");
  }
  if (options.days < 1 || options.days > 3650) {
    return Status::invalid_argument("days must be between 1 and 3650");
  }
  if (options.end_ms < int64_t{options.days} * kDaySeconds * 1000 * 2) {
    return Status::invalid_argument("end time is too early for the period");
  }
  Catalog c;
  build_catalog(options, &c);

  *data = DemoData{};
  *summary = DemoSummary{};
  data->items.reserve(c.specs.size());
  for (size_t i = 0; i < c.specs.size(); ++i) {
    const Spec& sp = c.specs[i];
    Item item;
    item.id = id_of('m', i);
    item.title = sp.title;
    item.text = sp.text;
    item.tags.emplace_back(kGenres[sp.genre].name);
    if (sp.genre2 >= 0) item.tags.emplace_back(kGenres[sp.genre2].name);
    for (int m : sp.moods) item.tags.emplace_back(kMoods[m]);
    item.attributes["year"] = sp.year;
    item.attributes["duration_min"] = sp.minutes;
    if (sp.series >= 0) {
      item.attributes["series"] = c.series_names[sp.series];
      item.attributes["part"] = sp.part;
    }
    data->items.push_back(std::move(item));
  }

  std::vector<UserEvent> events;
  events.reserve(options.users * 70);
  for (size_t u = 0; u < options.users; ++u) {
    simulate_user(options, c, static_cast<uint32_t>(u), &events);
  }
  // One stream in time order, as an event log would hold it.
  std::sort(events.begin(), events.end(), [](const UserEvent& a, const UserEvent& b) {
    return std::tie(a.ts, a.user, a.seq) < std::tie(b.ts, b.user, b.seq);
  });

  static constexpr std::array<const char*, 3> kTypes = {"view", "rating", "purchase"};
  const std::string id_prefix = "demo-" + std::to_string(options.seed) + "-";
  data->events.reserve(events.size());
  for (const UserEvent& e : events) {
    EventInput in;
    in.user = id_of('u', e.user);
    in.item = data->items[e.item].id;
    in.type = kTypes[e.type];
    in.ts_ms = e.ts * 1000;
    in.weight = e.type == 1 ? static_cast<float>(e.rating) : 1.0f;
    in.id = id_prefix + in.user + "-" + std::to_string(e.seq + 1);
    data->events.push_back(std::move(in));
    (e.type == 0 ? summary->views : e.type == 1 ? summary->ratings : summary->purchases)++;
  }
  summary->items = data->items.size();
  summary->series = c.series_parts.size();
  summary->users = options.users;
  summary->events = data->events.size();
  if (!events.empty()) {
    summary->first_ts_ms = events.front().ts * 1000;
    summary->last_ts_ms = events.back().ts * 1000;
  }
  return Status::ok();
}

namespace {

// Writes `lines` JSON objects to `path` through a temporary file, so that a
// failed run never leaves half a file under the final name.
template <typename Fn>
Status write_lines(const fs::path& path, size_t count, Fn&& line) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::internal(tmp.string() + ": cannot create");
    for (size_t i = 0; i < count; ++i) {
      out << boost::json::serialize(line(i)) << '\n';
    }
    out.flush();
    if (!out) return Status::internal(tmp.string() + ": write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::internal(path.string() + ": " + ec.message());
  return Status::ok();
}

}  // namespace

Status write_demo_data(const DemoOptions& options, const std::string& out_dir,
                       DemoSummary* summary) {
  try {
    DemoData data;
    Status st = generate_demo_data(options, &data, summary);
    if (!st.is_ok()) return st;
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec || !fs::is_directory(out_dir)) {
      return Status::invalid_argument(out_dir + ": cannot create the folder" +
                                      (ec ? ": " + ec.message() : std::string()));
    }
    const fs::path items_path = fs::path(out_dir) / "items.jsonl";
    const fs::path events_path = fs::path(out_dir) / "events.jsonl";
    st = write_lines(items_path, data.items.size(), [&](size_t i) {
      boost::json::object o = encode_item(data.items[i]);
      o.erase("available");  // the default; keeps the file short
      return o;
    });
    if (!st.is_ok()) return st;
    st = write_lines(events_path, data.events.size(), [&](size_t i) {
      const EventInput& e = data.events[i];
      boost::json::object o;
      o["id"] = e.id;
      o["user"] = e.user;
      o["item"] = e.item;
      o["type"] = e.type;
      o["ts"] = *e.ts_ms / 1000;
      // Whole numbers: boost::json would print a double as "4E0".
      if (e.type == "rating") o["weight"] = static_cast<int64_t>(e.weight);
      return o;
    });
    if (!st.is_ok()) return st;
    summary->items_path = items_path.string();
    summary->events_path = events_path.string();
    return Status::ok();
  } catch (const std::exception& e) {  // e.g. out of memory: report, never throw
    return Status::internal(std::string("demo data: ") + e.what());
  }
}

}  // namespace attnrec::service

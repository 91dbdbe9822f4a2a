#include "service/demo/movie_catalog.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace attnrec::service::demo {

namespace {

// The catalog's mix_seed purpose (users draw from purpose 2, user_behaviour.cpp).
constexpr uint64_t kCatalogStream = 1;
constexpr uint64_t kPopularityScale = uint64_t{1} << 24;

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

constexpr std::array<Genre, 10> kGenres = {{
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
static_assert(kGenres[kDramaGenre].name == "drama");

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

}  // namespace

std::string_view genre_name(int genre) { return kGenres[genre].name; }
std::string_view mood_name(int mood) { return kMoods[mood]; }

WeightedChoice genre_shares(bool series_only) {
  WeightedChoice w;
  for (const auto& g : kGenres) w.add(series_only && !g.series ? 0 : g.share);
  return w;
}

void build_movie_catalog(uint64_t seed, size_t items, MovieCatalog* c) {
  Rng rng(mix_seed(seed, kCatalogStream));
  std::unordered_set<std::string> titles, names;
  const WeightedChoice series_genres = genre_shares(true);
  const WeightedChoice standalone_genres = genre_shares(false);

  // Series: about one item in six, 3-6 parts each.
  const size_t series_budget = items / 6;
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
  while (c->specs.size() < items) {
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

}  // namespace attnrec::service::demo

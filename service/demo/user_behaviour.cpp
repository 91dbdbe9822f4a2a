#include "service/demo/user_behaviour.h"

#include <algorithm>
#include <array>
#include <unordered_set>
#include <utility>

#include "base/random.h"

namespace attnrec::service::demo {

namespace {

// User u draws from mix_seed(seed, kUserStream, u); the catalog uses purpose 1.
constexpr uint64_t kUserStream = 2;

}  // namespace

void simulate_user(const DemoOptions& options, const MovieCatalog& c, uint32_t user,
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
  if (favs.empty()) favs.push_back(kDramaGenre);  // drama always has entries in practice
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

}  // namespace attnrec::service::demo

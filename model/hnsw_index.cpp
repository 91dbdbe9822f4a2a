#include "model/hnsw_index.h"

// hnswlib defines non-inline functions and globals in its headers: include
// it in this one translation unit only.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cmath>
#include <thread>

#include "model/topk.h"

namespace attnrec::model {

struct HnswIndex::Graph {
  Graph(int d, size_t tail, const IndexOptions& o)
      : space(size_t(d)),
        hnsw(&space, std::max<size_t>(tail, 1), size_t(std::max(o.hnsw_m, 2)),
             size_t(std::max(o.hnsw_ef_construction, 1)), size_t(o.seed)) {}
  hnswlib::InnerProductSpace space;  // distance 1 - dot
  hnswlib::HierarchicalNSW<float> hnsw;  // the tail's items
  Mat<float> head;                       // [H, d] the head's vectors, largest norm first
  std::vector<int32_t> head_items;       // [H] their items
  // [N + 1] item -> hnswlib's id for a tail item, ~row of `head` (< 0) for a head item.
  std::vector<int32_t> place;
  int32_t tail_size = 0;
  float tail_norm = 0;  // the largest norm in the tail
};

HnswIndex::HnswIndex(std::unique_ptr<Graph> graph, int32_t num_items, int d)
    : graph_(std::move(graph)), num_items_(num_items), d_(d) {}

HnswIndex::~HnswIndex() = default;

std::unique_ptr<HnswIndex> HnswIndex::build(CMatMap<float> items, const IndexOptions& options) {
  const int32_t n = int32_t(items.rows()) - 1;
  const int d = int(items.cols());
  // hnswlib reports failures (memory) by exceptions; none leaves here.
  try {
    // The head: the largest-norm items (ties to the smaller index).
    std::vector<std::pair<float, int32_t>> by_norm(size_t(std::max(n, 0)));
    for (int32_t i = 1; i <= n; ++i) by_norm[size_t(i - 1)] = {items.row(i).norm(), i};
    std::sort(by_norm.begin(), by_norm.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    const double fraction = std::clamp(options.hnsw_head_fraction, 0.0, 1.0);
    const auto heads = int32_t(std::min<double>(n, std::ceil(fraction * n)));
    auto g = std::make_unique<Graph>(d, size_t(n - heads), options);
    g->place.assign(size_t(n) + 1, 0);
    g->head.resize(heads, d);
    g->head_items.resize(size_t(heads));
    for (int32_t h = 0; h < heads; ++h) {
      const int32_t item = by_norm[size_t(h)].second;
      g->head.row(h) = items.row(item);
      g->head_items[size_t(h)] = item;
      g->place[size_t(item)] = ~h;
    }
    g->tail_size = n - heads;
    g->tail_norm = heads < n ? by_norm[size_t(heads)].first : 0.0f;
    std::vector<int32_t> tail;
    tail.reserve(size_t(g->tail_size));
    for (int32_t i = 1; i <= n; ++i) {
      if (g->place[size_t(i)] >= 0) tail.push_back(i);
    }

    const int threads = options.build_threads > 0
                            ? options.build_threads
                            : std::max(1, int(std::thread::hardware_concurrency()));
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    auto insert = [&] {
      try {
        for (size_t t; !failed && (t = next++) < tail.size();) {
          g->hnsw.addPoint(items.row(tail[t]).data(), hnswlib::labeltype(tail[t]));
        }
      } catch (...) {
        failed = true;
      }
    };
    // The first point alone: it becomes the entry point, which the
    // concurrent insertions below all start from.
    if (!tail.empty()) {
      g->hnsw.addPoint(items.row(tail[0]).data(), hnswlib::labeltype(tail[0]));
      next = 1;
    }
    std::vector<std::thread> pool;
    try {
      for (int t = 1; t < threads; ++t) pool.emplace_back(insert);
    } catch (...) {
      failed = true;  // no thread: stop the others, then give up
    }
    insert();
    for (std::thread& t : pool) t.join();
    if (failed) return nullptr;
    g->hnsw.setEf(size_t(std::max(options.hnsw_ef_search, 1)));
    for (const auto& [label, id] : g->hnsw.label_lookup_) g->place[size_t(label)] = int32_t(id);
    return std::unique_ptr<HnswIndex>(new HnswIndex(std::move(g), n, d));
  } catch (...) {
    return nullptr;
  }
}

void HnswIndex::set_ef_search(int ef) { graph_->hnsw.setEf(size_t(std::max(ef, 1))); }

float HnswIndex::dot(std::span<const float> user, int32_t item) const {
  const int32_t at = graph_->place[size_t(item)];
  const auto* v = at < 0 ? graph_->head.row(~at).data()
                         : reinterpret_cast<const float*>(graph_->hnsw.getDataByInternalId(
                               hnswlib::tableint(at)));
  return Eigen::Map<const Eigen::VectorXf>(v, d_).dot(
      Eigen::Map<const Eigen::VectorXf>(user.data(), d_));
}

namespace {

// Sorted in-range excluded items, per thread.
std::span<const int32_t> sorted_excluded(std::span<const int32_t> excluded, int32_t n) {
  thread_local std::vector<int32_t> s;
  s.clear();
  for (int32_t it : excluded) {
    if (it >= 1 && it <= n) s.push_back(it);
  }
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

// Allowed items among 1..n (the bitmap's bit 0 and bits past n ignored).
int64_t count_allowed(std::span<const uint64_t> allowed, int32_t n) {
  const size_t words = bitmap_words(n);
  int64_t count = 0;
  for (size_t w = 0; w < words; ++w) {
    uint64_t bits = allowed[w];
    if (w == 0) bits &= ~uint64_t{1};
    if (w + 1 == words && (size_t(n) + 1) % 64 != 0) bits &= (uint64_t{1} << ((size_t(n) + 1) % 64)) - 1;
    count += std::popcount(bits);
  }
  return count;
}

}  // namespace

void HnswIndex::search(std::span<const float> user, int k, const SearchFilter& filter,
                       std::vector<ScoredItem>* out) const {
  assert(int(user.size()) == d_);
  out->clear();
  if (k <= 0 || num_items_ == 0) return;
  const std::span<const int32_t> excluded = sorted_excluded(filter.excluded, num_items_);
  const bool filtered = !filter.allowed.empty();
  assert(!filtered || filter.allowed.size() >= bitmap_words(num_items_));
  const int64_t allowed = filtered ? count_allowed(filter.allowed, num_items_) : num_items_;
  if (allowed == 0) return;
  if (filtered && allowed <= kScanAllowed) return scan(user, k, filter, excluded, out);
  const auto passes = [&](int32_t item) {
    return item >= 1 && item <= num_items_ && (!filtered || bitmap_test(filter.allowed, item)) &&
           !std::binary_search(excluded.begin(), excluded.end(), item);
  };
  const Graph& g = *graph_;
  const Eigen::Map<const Eigen::VectorXf> q(user.data(), d_);

  // The head, exactly: its best k passing items.
  thread_local std::vector<ScoredItem> head_top;
  {
    thread_local Eigen::VectorXf scores;
    scores.noalias() = g.head * q;
    TopK top(k, &head_top);
    for (size_t h = 0; h < g.head_items.size(); ++h) {
      if (passes(g.head_items[h])) top.offer(g.head_items[h], scores[Eigen::Index(h)]);
    }
    top.finish();
  }
  // No tail item scores above |q| times the tail's largest norm
  // (Cauchy-Schwarz): when the head's k-th beats that, the answer is exact.
  if (g.tail_size == 0 ||
      (int(head_top.size()) == k && head_top.back().score >= q.norm() * g.tail_norm)) {
    *out = head_top;
    return;
  }

  // Expect k passing items among k / (allowed fraction) candidates, with a
  // margin, plus the excluded ones.
  const double fraction = double(allowed) / double(num_items_);
  int64_t want = int64_t(std::ceil(1.25 * k / fraction)) + int64_t(excluded.size());
  want = std::clamp<int64_t>(want, k, std::max<int64_t>(k, kMaxCandidates));
  try {
    for (;;) {
      const int64_t ask = std::min<int64_t>(want, g.tail_size);
      // ef is max(ef_search, ask): asking for more is searching wider.
      auto found = g.hnsw.searchKnn(user.data(), size_t(ask));
      const bool everything = int64_t(found.size()) == g.tail_size;
      TopK top(k, out);
      for (const ScoredItem& h : head_top) top.offer(h.item, h.score);
      for (; !found.empty(); found.pop()) {
        const auto item = int32_t(found.top().second);
        if (passes(item)) top.offer(item, dot(user, item));
      }
      top.finish();
      if (int(out->size()) == k || everything) return;
      if (want >= kMaxCandidates || ask == g.tail_size) break;
      want = std::min<int64_t>(want * 4, kMaxCandidates);
    }
  } catch (...) {
    // hnswlib throws only on a corrupt graph; the scan below is still right.
  }
  scan(user, k, filter, excluded, out);
}

void HnswIndex::scan(std::span<const float> user, int k, const SearchFilter& filter,
                     std::span<const int32_t> excluded, std::vector<ScoredItem>* out) const {
  TopK top(k, out);
  const auto offer = [&](int32_t item) {
    if (!std::binary_search(excluded.begin(), excluded.end(), item)) top.offer(item, dot(user, item));
  };
  if (filter.allowed.empty()) {
    for (int32_t i = 1; i <= num_items_; ++i) offer(i);
  } else {
    const size_t words = bitmap_words(num_items_);
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t bits = filter.allowed[w]; bits != 0; bits &= bits - 1) {
        const auto i = int32_t(w * 64 + size_t(std::countr_zero(bits)));
        if (i > num_items_) break;
        if (i >= 1) offer(i);
      }
    }
  }
  top.finish();
}

size_t HnswIndex::memory_bytes() const {
  const auto& h = graph_->hnsw;
  size_t bytes = h.max_elements_ * h.size_data_per_element_;
  for (size_t i = 0; i < h.cur_element_count; ++i) {
    bytes += size_t(std::max(h.element_levels_[i], 0)) * h.size_links_per_element_;
  }
  bytes += h.label_lookup_.size() * 40;
  bytes += graph_->place.size() * sizeof(int32_t);
  bytes += size_t(graph_->head.size()) * sizeof(float) + graph_->head_items.size() * sizeof(int32_t);
  return bytes;
}

}  // namespace attnrec::model

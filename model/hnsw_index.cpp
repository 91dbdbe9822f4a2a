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
  Graph(int d, size_t n, const IndexOptions& o)
      : space(size_t(d)),
        hnsw(&space, n, size_t(std::max(o.hnsw_m, 2)), size_t(std::max(o.hnsw_ef_construction, 1)),
             size_t(o.seed)) {}
  hnswlib::InnerProductSpace space;  // distance 1 - dot
  hnswlib::HierarchicalNSW<float> hnsw;
  std::vector<hnswlib::tableint> internal;  // [N + 1] item -> hnswlib's id (insertion order)
};

HnswIndex::HnswIndex(std::unique_ptr<Graph> graph, int32_t num_items, int d)
    : graph_(std::move(graph)), num_items_(num_items), d_(d) {}

HnswIndex::~HnswIndex() = default;

std::unique_ptr<HnswIndex> HnswIndex::build(CMatMap<float> items, const IndexOptions& options) {
  const int32_t n = int32_t(items.rows()) - 1;
  const int d = int(items.cols());
  // hnswlib reports failures (memory) by exceptions; none leaves here.
  try {
    auto g = std::make_unique<Graph>(d, size_t(std::max(n, 1)), options);
    const int threads = options.build_threads > 0
                            ? options.build_threads
                            : std::max(1, int(std::thread::hardware_concurrency()));
    std::atomic<int32_t> next{1};
    std::atomic<bool> failed{false};
    auto insert = [&] {
      try {
        for (int32_t i; !failed && (i = next++) <= n;) {
          g->hnsw.addPoint(items.row(i).data(), hnswlib::labeltype(i));
        }
      } catch (...) {
        failed = true;
      }
    };
    // The first point alone: it becomes the entry point, which the
    // concurrent insertions below all start from.
    if (n >= 1) {
      g->hnsw.addPoint(items.row(1).data(), hnswlib::labeltype(1));
      next = 2;
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
    g->internal.assign(size_t(n) + 1, 0);
    for (const auto& [label, id] : g->hnsw.label_lookup_) g->internal[size_t(label)] = id;
    return std::unique_ptr<HnswIndex>(new HnswIndex(std::move(g), n, d));
  } catch (...) {
    return nullptr;
  }
}

float HnswIndex::dot(std::span<const float> user, int32_t item) const {
  const auto* v = reinterpret_cast<const float*>(
      graph_->hnsw.getDataByInternalId(graph_->internal[size_t(item)]));
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
  // Expect k passing items among k / (allowed fraction) candidates, with a
  // margin, plus the excluded ones.
  const double fraction = double(allowed) / double(num_items_);
  int64_t want = int64_t(std::ceil(1.25 * k / fraction)) + int64_t(excluded.size());
  want = std::clamp<int64_t>(want, k, std::max<int64_t>(k, kMaxCandidates));
  try {
    for (;;) {
      const int64_t ask = std::min<int64_t>(want, num_items_);
      // ef is max(ef_search, ask): asking for more is searching wider.
      auto found = graph_->hnsw.searchKnn(user.data(), size_t(ask));
      const bool everything = int64_t(found.size()) == num_items_;
      TopK top(k, out);
      for (; !found.empty(); found.pop()) {
        const auto item = int32_t(found.top().second);
        if (passes(item)) top.offer(item, dot(user, item));
      }
      top.finish();
      if (int(out->size()) == k || everything) return;
      if (want >= kMaxCandidates || ask == num_items_) break;
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
  bytes += graph_->internal.size() * sizeof(hnswlib::tableint);
  return bytes;
}

}  // namespace attnrec::model

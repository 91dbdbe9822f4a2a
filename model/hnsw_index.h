// HnswIndex: approximate top-k by inner product on hnswlib's HNSW graph
// (Debian's libhnswlib-dev 0.6.2, hnswlib::InnerProductSpace), for catalogs
// where an exact scan costs more than a request may (bench/README.md, "Item
// index", has the crossover).
//
// Head and tail: the hnsw_head_fraction of items with the largest norms (1%
// by default) are scored exactly, one matrix-vector product; the graph holds
// the rest. A trained model's few large-norm items top most users' lists,
// and a graph built on inner product links them poorly: on a trained
// 815k-item model (norms 0.18 to 4.9) the graph over every item reached
// recall@10 0.61, head and tail 0.9998 (bench/README.md, "A million items").
// When the head's k-th score is at least |q| times the tail's largest norm
// no tail item can beat it and the graph is not searched (the answer is
// exact; 40% of that model's users).
//
// Filters: hnswlib 0.6.2 has no filter in its search, so search() asks the
// graph for more candidates than k (k over the allowed fraction, plus the
// excluded items) and keeps those that pass; while fewer than k pass it
// asks for four times as many, up to kMaxCandidates, then scans the allowed
// items exactly. What it returns always passes the filter, and it returns
// min(k, passing items) entries; only which items (recall) is approximate.
// A filter allowing at most kScanAllowed items is scanned directly.
//
// Scores are dot products recomputed from the stored vectors (not hnswlib's
// 1 - dot), so they equal ExactIndex's up to float summation order.
//
// Thread safety: immutable after build; search() may run concurrently
// (hnswlib's searchKnn is const and takes its visited lists from a pool
// under a mutex). The build itself is parallel and not deterministic: the
// graph depends on the order the threads insert in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "model/item_index.h"
#include "model/tensor.h"

namespace attnrec::model {

class HnswIndex final : public ItemIndex {
 public:
  static constexpr int kMaxCandidates = 4096;  // widest graph search before the scan
  static constexpr int kScanAllowed = 2048;    // allowed items scanned without the graph

  // Builds the head and the graph over items 1..N of `items` ([N + 1, d]
  // row-major) with options' hnsw_head_fraction, hnsw_m,
  // hnsw_ef_construction, hnsw_ef_search, build_threads and seed. nullptr when hnswlib fails (out of memory): the caller falls back
  // to an exact index.
  static std::unique_ptr<HnswIndex> build(CMatMap<float> items, const IndexOptions& options);
  ~HnswIndex() override;

  void search(std::span<const float> user, int k, const SearchFilter& filter,
              std::vector<ScoredItem>* out) const override;
  std::string_view kind() const override { return "hnsw"; }
  // The graph's search beam width (hnswlib's ef). Not safe while searches
  // run: for benchmarks that sweep it over one graph.
  void set_ef_search(int ef);
  // hnswlib's level-0 block (links, vectors, labels), its upper-level links
  // and label map (estimated at 40 bytes an entry), the id table and the head.
  size_t memory_bytes() const override;

 private:
  struct Graph;  // hnswlib's types stay in hnsw_index.cpp
  HnswIndex(std::unique_ptr<Graph> graph, int32_t num_items, int d);

  // The exact fallback: every passing item, scored from the stored vectors.
  void scan(std::span<const float> user, int k, const SearchFilter& filter,
            std::span<const int32_t> excluded, std::vector<ScoredItem>* out) const;
  float dot(std::span<const float> user, int32_t item) const;

  std::unique_ptr<Graph> graph_;
  int32_t num_items_ = 0;
  int d_ = 0;
};

}  // namespace attnrec::model

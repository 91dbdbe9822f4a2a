// ItemIndex: top-k items by inner product with a user vector, behind one
// small interface with several implementations (faiss's pattern):
//   ExactIndex  the item matrix contiguous and aligned, one matrix-vector
//               product (matrix-matrix for a batch), partial selection;
//   HnswIndex   hnswlib's graph over the same vectors (inner product),
//               approximate, for catalogs where a full scan is too slow.
// A Model builds one with itself (IndexOptions) and every scoring path goes
// through it.
//
// Thread safety: immutable after construction; search() may be called from
// any number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "model/tensor.h"
#include "model/topk.h"

namespace attnrec::model {

// Which items a search may return, in model indices 1..N.
struct SearchFilter {
  // Bit i (word i / 64, bit i % 64) set: item i may be returned. Empty: all
  // items may. Otherwise at least (N + 1 + 63) / 64 words.
  std::span<const uint64_t> allowed = {};
  // Items never returned (any order, repeats and out-of-range ignored), e.g.
  // the history.
  std::span<const int32_t> excluded = {};
};

// Words of a bitmap over model indices 0..num_items.
inline size_t bitmap_words(int32_t num_items) { return (size_t(num_items) + 1 + 63) / 64; }
inline void bitmap_set(std::span<uint64_t> bits, int32_t i) { bits[size_t(i) >> 6] |= uint64_t{1} << (i & 63); }
inline bool bitmap_test(std::span<const uint64_t> bits, int32_t i) {
  return (bits[size_t(i) >> 6] >> (i & 63)) & 1;
}

enum class IndexKind { kExact, kHnsw, kAuto };

std::string_view index_kind_name(IndexKind kind);                 // "exact", "hnsw", "auto"
std::optional<IndexKind> parse_index_kind(std::string_view name);  // nullopt: unknown name

struct IndexOptions {
  IndexKind kind = IndexKind::kAuto;
  // kAuto picks HNSW at this many items or more, exact below: the smallest
  // catalog measured where HNSW's p99 beat the exact scan's at recall@10
  // >= 0.95 (bench/README.md, "Item index"; by the mean HNSW wins from
  // ~30k, but it costs a build per model and is approximate).
  int32_t auto_hnsw_items = 100'000;
  // hnswlib's parameters: graph degree, build and search beam widths.
  // ef_construction 100 rather than 200: at 100k items (d 64, clustered
  // vectors) it built in 13 s instead of 22-35 s with 2 threads and kept
  // recall@10 at 0.996 (0.997 with 200); M 12 lost recall (0.995) without
  // building faster (bench/README.md, "Item index").
  int hnsw_m = 16;
  int hnsw_ef_construction = 100;
  int hnsw_ef_search = 128;
  // The items of largest norm that HnswIndex scores exactly, beside its
  // graph (hnsw_index.h): 1% took recall@10 on a trained 815k-item model
  // from 0.61 to 0.9998.
  double hnsw_head_fraction = 0.01;
  int build_threads = 0;  // 0: one per core
  uint64_t seed = 100;
};

class ItemIndex {
 public:
  virtual ~ItemIndex() = default;

  // Best k items by inner product with `user` (dim floats) among those the
  // filter lets through, best first, ties to the smaller index. `out` is
  // cleared and reused; fewer than k entries when fewer items pass. An
  // approximate index still returns only items that pass (it searches wider,
  // or falls back to a scan, when the filter rejects many).
  virtual void search(std::span<const float> user, int k, const SearchFilter& filter,
                      std::vector<ScoredItem>* out) const = 0;

  // "exact" or "hnsw".
  virtual std::string_view kind() const = 0;
  // Bytes held by the index (beyond the model's own parameters).
  virtual size_t memory_bytes() const = 0;
};

// Builds the index over item vectors E ([N + 1, d] row-major, row 0 padding,
// never returned).
std::unique_ptr<ItemIndex> build_index(CMatMap<float> items, const IndexOptions& options);

}  // namespace attnrec::model

#include "model/item_index.h"

#include "model/exact_index.h"
#include "model/hnsw_index.h"

namespace attnrec::model {

std::string_view index_kind_name(IndexKind kind) {
  switch (kind) {
    case IndexKind::kExact: return "exact";
    case IndexKind::kHnsw: return "hnsw";
    case IndexKind::kAuto: return "auto";
  }
  return "auto";
}

std::optional<IndexKind> parse_index_kind(std::string_view name) {
  if (name == "exact") return IndexKind::kExact;
  if (name == "hnsw") return IndexKind::kHnsw;
  if (name == "auto") return IndexKind::kAuto;
  return std::nullopt;
}

std::unique_ptr<ItemIndex> build_index(CMatMap<float> items, const IndexOptions& options) {
  const int64_t n = items.rows() - 1;
  const bool hnsw = options.kind == IndexKind::kHnsw ||
                    (options.kind == IndexKind::kAuto && n >= options.auto_hnsw_items);
  if (hnsw) {
    if (auto index = HnswIndex::build(items, options)) return index;
    // hnswlib could not build (memory): exact is slower but never wrong.
  }
  return std::make_unique<ExactIndex>(items);
}

}  // namespace attnrec::model

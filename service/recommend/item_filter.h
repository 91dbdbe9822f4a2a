// Which items a result may contain: not deleted, available, not excluded,
// and (when tags are asked for) carrying one of the tags. Built once per
// request over the catalog snapshot (no lock, no map lookup per item), it
// answers in store ids (popularity, text search) and, for a model, as the
// model index's filter: a bitmap of the model indices allowed plus the
// excluded indices (model/item_index.h).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/published.h"
#include "model/item_index.h"
#include "service/catalog_snapshot.h"

namespace attnrec::service {

struct ServingModel;

// The model indices whose store item is neither deleted nor unavailable
// (items the store does not know pass: they have no catalog entry), for one
// model and one catalog snapshot. Rebuilt (O(N)) the first time a request
// sees a new model or a changed catalog; shared by requests until then.
struct EligibleItems {
  std::shared_ptr<const ServingModel> model;
  std::shared_ptr<const CatalogSnapshot> catalog;
  std::vector<uint64_t> bits;  // model::bitmap_words(N) words
};

class EligibleCache {
 public:
  std::shared_ptr<const EligibleItems> get(const std::shared_ptr<const ServingModel>& model,
                                           const std::shared_ptr<const CatalogSnapshot>& catalog) const;

 private:
  mutable Published<EligibleItems> last_;
};

// Borrows `tags` and `excluded` (store ids, any order): they must outlive it.
// Not thread-safe (accepts() sorts a copy of `excluded` on first use): one
// filter per request.
class ItemFilter {
 public:
  ItemFilter(std::shared_ptr<const CatalogSnapshot> catalog, std::span<const std::string> tags,
             std::span<const uint32_t> excluded, std::span<const uint32_t> also_excluded = {});

  // True when the item (a store id) may be returned. Items without a catalog
  // entry pass only filters that need none (no tags).
  bool accepts(uint32_t item) const;

  // The same filter over `model`'s indices. The spans point into `eligible`
  // and `scratch`, which must outlive the result's use.
  struct ModelScratch {
    std::vector<uint64_t> bits;
    std::vector<int32_t> excluded;
  };
  model::SearchFilter for_model(const ServingModel& model, const EligibleItems& eligible,
                                ModelScratch* scratch) const;

  const std::shared_ptr<const CatalogSnapshot>& snapshot() const { return catalog_; }

 private:
  std::shared_ptr<const CatalogSnapshot> catalog_;
  std::span<const std::string> tags_;
  std::span<const uint32_t> excluded_, also_excluded_;
  mutable std::vector<uint32_t> sorted_;  // both exclusion lists, once accepts() needs them
  mutable bool sorted_ready_ = false;
};

}  // namespace attnrec::service

#include "service/recommend/item_filter.h"

#include <algorithm>

#include "service/training/live_model.h"

namespace attnrec::service {

std::shared_ptr<const EligibleItems> EligibleCache::get(
    const std::shared_ptr<const ServingModel>& model,
    const std::shared_ptr<const CatalogSnapshot>& catalog) const {
  if (auto last = last_.load(); last && last->model == model && last->catalog == catalog) return last;
  auto e = std::make_shared<EligibleItems>();
  e->model = model;
  e->catalog = catalog;
  const int32_t n = model->net->num_items();
  e->bits.assign(model::bitmap_words(n), 0);
  for (int32_t i = 1; i <= n; ++i) {
    const uint32_t store_id = model->to_store[size_t(i)];
    if (!store_id || !catalog->blocked(store_id)) model::bitmap_set(e->bits, i);
  }
  // Two requests may build the same one at once; either result is right.
  last_.store(e);
  return e;
}

ItemFilter::ItemFilter(std::shared_ptr<const CatalogSnapshot> catalog, std::span<const std::string> tags,
                       std::span<const uint32_t> excluded, std::span<const uint32_t> also_excluded)
    : catalog_(std::move(catalog)), tags_(tags), excluded_(excluded), also_excluded_(also_excluded) {}

bool ItemFilter::accepts(uint32_t item) const {
  if (catalog_->blocked(item)) return false;
  if (!sorted_ready_) {  // the model path never needs this: sort only here
    sorted_.assign(excluded_.begin(), excluded_.end());
    sorted_.insert(sorted_.end(), also_excluded_.begin(), also_excluded_.end());
    std::sort(sorted_.begin(), sorted_.end());
    sorted_ready_ = true;
  }
  if (std::binary_search(sorted_.begin(), sorted_.end(), item)) return false;
  return tags_.empty() || catalog_->has_any_tag(item, tags_);
}

model::SearchFilter ItemFilter::for_model(const ServingModel& model, const EligibleItems& eligible,
                                          ModelScratch* scratch) const {
  scratch->excluded.clear();
  for (const auto list : {excluded_, also_excluded_}) {
    for (uint32_t id : list) {
      if (const int32_t idx = model.model_index(id)) scratch->excluded.push_back(idx);
    }
  }
  model::SearchFilter filter;
  filter.excluded = scratch->excluded;
  if (tags_.empty()) {
    filter.allowed = eligible.bits;
    return filter;
  }
  // Only the tagged items that are eligible: O(tagged items), not O(N).
  scratch->bits.assign(eligible.bits.size(), 0);
  for (const std::string& tag : tags_) {
    for (uint32_t id : catalog_->tagged(tag)) {
      const int32_t idx = model.model_index(id);
      if (idx && model::bitmap_test(eligible.bits, idx)) model::bitmap_set(scratch->bits, idx);
    }
  }
  filter.allowed = scratch->bits;
  return filter;
}

}  // namespace attnrec::service

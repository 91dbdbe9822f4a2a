// A trained model as the service serves it: the network plus the maps between
// the store's internal item ids and the model's item indices, and the
// registry facts callers see (version, validation NDCG@10).
//
// Immutable once built and shared read-only by every request thread; a new
// version is a new object swapped in atomically through a LiveModel.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/published.h"
#include "model/model.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

struct ServingModel {
  std::shared_ptr<const model::Model> net;
  std::string version;
  double valid_ndcg = 0;            // full-ranking validation NDCG@10 at training time
  int64_t created_ms = 0;           // when the version was trained (its registry record)
  std::vector<int32_t> to_model;    // [store item id] -> model index, 0 = unknown
  std::vector<uint32_t> to_store;   // [model index] -> store item id, 0 = not in the store

  // 0 when the model does not know the item (e.g. added after training).
  int32_t model_index(uint32_t store_item) const {
    return store_item < to_model.size() ? to_model[store_item] : 0;
  }
  // The model indices of a history of store ids, unknown items dropped.
  std::vector<int32_t> encode_items(std::span<const uint32_t> store_items) const;

  // The user vector [d] of a history of store ids (unknown items dropped).
  // False, leaving `user` empty, when the model knows none of the items.
  bool encode(std::span<const uint32_t> store_items, std::vector<float>* user) const;

  // Unique within the process (never reused): tells caches which model
  // computed what.
  uint64_t serial = 0;
};

// The model requests use now: published once per activation, read by every
// request without a lock (base/published.h). A request never waits for a
// model to load, and one that loaded the old model finishes with it.
class LiveModel {
 public:
  std::shared_ptr<const ServingModel> load() const { return model_.load(); }
  // Publishes `model`, then calls the swap listener (caches of the old
  // model's results drop them).
  void store(std::shared_ptr<const ServingModel> model) {
    model_.store(std::move(model));
    if (on_swap_) on_swap_();
  }
  // Set once, before the first store() (not synchronised with it).
  void set_on_swap(std::function<void()> fn) { on_swap_ = std::move(fn); }

 private:
  Published<ServingModel> model_;
  std::function<void()> on_swap_;
};

// Builds the maps for `net` against the store's item dictionary.
std::shared_ptr<const ServingModel> make_serving_model(std::shared_ptr<const model::Model> net,
                                                       std::string version, double valid_ndcg,
                                                       int64_t created_ms, const storage::Store& store);

}  // namespace attnrec::service

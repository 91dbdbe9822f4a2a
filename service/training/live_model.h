// A trained model as the service serves it: the network plus the maps between
// the store's internal item ids and the model's item indices, and the
// registry facts callers see (version, validation NDCG@10).
//
// Immutable once built and shared read-only by every request thread; a new
// version is a new object swapped in atomically through a LiveModel.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "model/model.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

struct ServingModel {
  std::shared_ptr<const model::Model> net;
  std::string version;
  double valid_ndcg = 0;            // full-ranking validation NDCG@10 at training time
  std::vector<int32_t> to_model;    // [store item id] -> model index, 0 = unknown
  std::vector<uint32_t> to_store;   // [model index] -> store item id, 0 = not in the store

  // 0 when the model does not know the item (e.g. added after training).
  int32_t model_index(uint32_t store_item) const {
    return store_item < to_model.size() ? to_model[store_item] : 0;
  }
  // The model indices of a history of store ids, unknown items dropped.
  std::vector<int32_t> encode_items(std::span<const uint32_t> store_items) const;

  // The model's view of a history of store ids: its model indices (oldest
  // first) and the user vector [d]. False when the model knows none of the items.
  struct Encoded {
    std::vector<int32_t> items;
    std::vector<float> user;
  };
  bool encode(std::span<const uint32_t> store_items, Encoded* out) const;
};

// The model requests use now. load() and store() exchange a shared_ptr under
// a mutex held only for the pointer copy: a request never waits for a model
// to load, and one that loaded the old model finishes with it. (A mutex, not
// std::atomic<std::shared_ptr>: libstdc++ 12's lock bit is invisible to TSan.)
class LiveModel {
 public:
  std::shared_ptr<const ServingModel> load() const {
    std::lock_guard lock(mu_);
    return model_;
  }
  void store(std::shared_ptr<const ServingModel> model) {
    std::lock_guard lock(mu_);
    model_.swap(model);  // the old model is freed with the argument, after unlocking
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const ServingModel> model_;  // guarded by mu_
};

// Builds the maps for `net` against the store's item dictionary.
std::shared_ptr<const ServingModel> make_serving_model(std::shared_ptr<const model::Model> net,
                                                       std::string version, double valid_ndcg,
                                                       const storage::Store& store);

}  // namespace attnrec::service

#include "service/training/live_model.h"

#include <algorithm>
#include <atomic>

#include "storage/store.h"

namespace attnrec::service {

std::vector<int32_t> ServingModel::encode_items(std::span<const uint32_t> store_items) const {
  std::vector<int32_t> out;
  out.reserve(store_items.size());
  for (uint32_t item : store_items) {
    if (const int32_t idx = model_index(item)) out.push_back(idx);
  }
  return out;
}

bool ServingModel::encode(std::span<const uint32_t> store_items, std::vector<float>* user) const {
  thread_local std::vector<int32_t> items;  // reused: no allocation per request
  items.clear();
  for (uint32_t item : store_items) {
    if (const int32_t idx = model_index(item)) items.push_back(idx);
  }
  user->clear();
  if (items.empty()) return false;
  user->resize(static_cast<size_t>(net->dim()));
  if (net->encode(items, *user)) return true;
  user->clear();
  return false;
}

std::shared_ptr<const ServingModel> make_serving_model(std::shared_ptr<const model::Model> net,
                                                       std::string version, double valid_ndcg,
                                                       int64_t created_ms, const storage::Store& store) {
  auto m = std::make_shared<ServingModel>();
  m->created_ms = created_ms;
  const int32_t n = net->num_items();
  m->to_store.assign(static_cast<size_t>(n) + 1, 0);
  uint32_t max_store = 0;
  for (int32_t i = 1; i <= n; ++i) {
    const uint32_t id = store.find_item(net->external_id(i));
    m->to_store[static_cast<size_t>(i)] = id;
    max_store = std::max(max_store, id);
  }
  m->to_model.assign(static_cast<size_t>(max_store) + 1, 0);
  for (int32_t i = 1; i <= n; ++i) {
    if (const uint32_t id = m->to_store[static_cast<size_t>(i)]) m->to_model[id] = i;
  }
  m->net = std::move(net);
  m->version = std::move(version);
  m->valid_ndcg = valid_ndcg;
  static std::atomic<uint64_t> next_serial{1};
  m->serial = next_serial.fetch_add(1);
  return m;
}

}  // namespace attnrec::service

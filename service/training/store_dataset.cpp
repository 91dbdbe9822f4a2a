#include "service/training/store_dataset.h"

#include <algorithm>
#include <unordered_map>

#include "storage/store.h"

namespace attnrec::service {

Status read_store_dataset(const storage::Store& store, const model::TypePolicy& types, model::Dataset* data) {
  *data = model::Dataset{};
  auto snapshot = store.snapshot();
  std::unordered_map<uint32_t, int32_t> index;  // store item id -> dataset item
  std::vector<uint32_t> order;                  // dataset item - 1 -> store item id
  uint32_t user = 0;
  std::vector<uint32_t> items;
  std::vector<int64_t> ts;
  std::vector<std::string_view> event_types;
  struct Raw {
    std::vector<uint32_t> items;
    std::vector<model::TypePolicy::Decision> decisions;
  };
  std::vector<Raw> raw;
  while (snapshot->next(&user, &items, &ts, &event_types)) {
    if (items.empty()) continue;
    Raw r;
    r.items = items;
    r.decisions.assign(items.size(), model::TypePolicy::Decision{});
    if (!types.trivial()) {
      for (size_t i = 0; i < items.size(); ++i) r.decisions[i] = types.classify(event_types[i]);
    }
    data->user_ids.push_back(store.user_name(user));
    for (uint32_t item : items) {
      if (index.emplace(item, 0).second) order.push_back(item);
    }
    raw.push_back(std::move(r));
  }
  if (const auto s = snapshot->status(); !s.is_ok()) {
    return Status::internal("reading the training snapshot: " + s.message());
  }
  // Dataset items follow the store's id order, so a retrain on a grown store
  // keeps older items in the same relative order. Items only ever marked
  // negative or of ignored types stay in the dictionary: the model then
  // knows them (an untrained embedding) and can leave them out by id.
  std::sort(order.begin(), order.end());
  data->item_ids.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    index[order[i]] = static_cast<int32_t>(i + 1);
    data->item_ids.push_back(store.item_name(order[i]));
  }
  data->seqs.resize(raw.size());
  for (size_t u = 0; u < raw.size(); ++u) {
    data->seqs[u].reserve(raw[u].items.size());
    for (size_t i = 0; i < raw[u].items.size(); ++i) {
      model::add_interaction(*data, u, index.at(raw[u].items[i]), raw[u].decisions[i]);
    }
  }
  model::finish_interactions(*data);
  return Status::ok();
}

model::Dataset remap_dataset(const model::Dataset& data, const std::vector<std::string>& item_ids) {
  std::unordered_map<std::string, int32_t> index;
  index.reserve(item_ids.size());
  for (size_t i = 0; i < item_ids.size(); ++i) index.emplace(item_ids[i], static_cast<int32_t>(i + 1));
  std::vector<int32_t> map(data.item_ids.size() + 1, 0);
  for (size_t i = 0; i < data.item_ids.size(); ++i) {
    auto it = index.find(data.item_ids[i]);
    if (it != index.end()) map[i + 1] = it->second;
  }
  model::Dataset out;
  out.user_ids = data.user_ids;
  out.item_ids = item_ids;
  out.ignored = data.ignored;
  out.seqs.resize(data.seqs.size());
  for (size_t u = 0; u < data.seqs.size(); ++u) {
    const std::span<const float> weights = data.weights_of(u);
    for (size_t i = 0; i < data.seqs[u].size(); ++i) {
      const int32_t mapped = map[static_cast<size_t>(data.seqs[u][i])];
      if (!mapped) {
        ++out.dropped;
        continue;
      }
      model::add_interaction(out, u, mapped, {model::TypePolicy::Role::kPositive, weights.empty() ? 1.0f : weights[i]});
    }
    for (int32_t item : data.negatives_of(u)) {
      if (const int32_t mapped = map[static_cast<size_t>(item)]) {
        model::add_interaction(out, u, mapped, {model::TypePolicy::Role::kNegative, 0.0f});
      }
    }
  }
  model::finish_interactions(out);
  return out;
}

}  // namespace attnrec::service

#include "service/store_training.h"

#include <algorithm>
#include <unordered_map>

#include "storage/store.h"

namespace attnrec::service {

Status read_store_dataset(const storage::Store& store, model::Dataset* data) {
  *data = model::Dataset{};
  auto snapshot = store.snapshot();
  std::unordered_map<uint32_t, int32_t> index;  // store item id -> dataset item
  std::vector<uint32_t> order;                  // dataset item - 1 -> store item id
  uint32_t user = 0;
  std::vector<uint32_t> items;
  std::vector<int64_t> ts;
  std::vector<std::vector<uint32_t>> raw;
  while (snapshot->next(&user, &items, &ts)) {
    if (items.empty()) continue;
    data->user_ids.push_back(store.user_name(user));
    raw.push_back(items);
    for (uint32_t item : items) {
      if (index.emplace(item, 0).second) order.push_back(item);
    }
  }
  if (const attnrec::Status s = snapshot->status(); !s.is_ok()) {
    return Status::internal("reading the training snapshot: " + s.message());
  }
  // Dataset items follow the store's id order, so a retrain on a grown store
  // keeps older items in the same relative order.
  std::sort(order.begin(), order.end());
  data->item_ids.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    index[order[i]] = static_cast<int32_t>(i + 1);
    data->item_ids.push_back(store.item_name(order[i]));
  }
  data->seqs.reserve(raw.size());
  for (const auto& seq : raw) {
    std::vector<int32_t> mapped;
    mapped.reserve(seq.size());
    for (uint32_t item : seq) mapped.push_back(index.at(item));
    data->seqs.push_back(std::move(mapped));
  }
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
  out.seqs.reserve(data.seqs.size());
  for (const auto& seq : data.seqs) {
    std::vector<int32_t> mapped;
    mapped.reserve(seq.size());
    for (int32_t item : seq) {
      if (map[static_cast<size_t>(item)]) mapped.push_back(map[static_cast<size_t>(item)]);
      else ++out.dropped;
    }
    out.seqs.push_back(std::move(mapped));
  }
  return out;
}

}  // namespace attnrec::service

#include "service/training/store_dataset.h"

#include <algorithm>
#include <unordered_map>

#include "storage/store.h"

namespace attnrec::service {

namespace {

// The type of each of a user's snapshot events, from their stored history:
// empty (untyped, a positive of weight 1) where the history has no event of
// the same time and item.
void match_types(const std::vector<uint32_t>& items, const std::vector<int64_t>& ts,
                 const std::vector<storage::HistoryEntry>& history, std::vector<std::string>* types) {
  types->assign(items.size(), std::string());
  // Both are in time order: walk back from the newest, matching each history
  // entry once (a later ingest appended after the snapshot is skipped).
  size_t h = history.size();
  for (size_t i = items.size(); i-- > 0 && h > 0;) {
    size_t j = h;
    while (j > 0 && (history[j - 1].ts_ms > ts[i] ||
                     (history[j - 1].ts_ms == ts[i] && history[j - 1].item != items[i]))) {
      --j;
    }
    if (j > 0 && history[j - 1].ts_ms == ts[i] && history[j - 1].item == items[i]) {
      (*types)[i] = history[j - 1].type;
      h = j - 1;
    }
    // No match: this event is older than the history (or was erased and
    // rewritten since); the next older one may still match.
  }
}

}  // namespace

Status read_store_dataset(const storage::Store& store, const model::TypePolicy& types,
                          size_t history_cap, model::Dataset* data) {
  *data = model::Dataset{};
  auto snapshot = store.snapshot();
  std::unordered_map<uint32_t, int32_t> index;  // store item id -> dataset item
  std::vector<uint32_t> order;                  // dataset item - 1 -> store item id
  uint32_t user = 0;
  std::vector<uint32_t> items;
  std::vector<int64_t> ts;
  std::vector<storage::HistoryEntry> history;
  std::vector<std::string> event_types;
  struct Raw {
    std::vector<uint32_t> items;
    std::vector<model::TypePolicy::Decision> decisions;
  };
  std::vector<Raw> raw;
  while (snapshot->next(&user, &items, &ts)) {
    if (items.empty()) continue;
    Raw r;
    r.items = items;
    r.decisions.assign(items.size(), model::TypePolicy::Decision{});
    if (!types.trivial()) {
      if (Status s = store.history(user, history_cap, &history); !s.is_ok()) {
        return Status::internal("reading the event types of user " + store.user_name(user) + ": " + s.message());
      }
      match_types(items, ts, history, &event_types);
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

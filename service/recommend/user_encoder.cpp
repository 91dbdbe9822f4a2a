#include "service/recommend/user_encoder.h"

#include <algorithm>

#include "service/recommend/encoder_cache.h"
#include "service/training/live_model.h"
#include "storage/store.h"

namespace attnrec::service {

UserEncoder::UserEncoder(const storage::Store& store, EncoderCache& cache, size_t history_cap,
                         const model::TypePolicy& types)
    : store_(store), cache_(cache), history_cap_(history_cap), types_(types) {}

Status UserEncoder::encode(const ServingModel* model, std::string_view user,
                           const std::vector<std::string>& session, EncodedUser* out) const {
  out->history.clear();
  out->negatives.clear();
  out->vec.clear();
  if (user.empty()) {
    for (const auto& item : session) {
      if (const uint32_t id = store_.find_item(item)) out->history.push_back(id);
    }
    if (model) model->encode(out->history, &out->vec);
    return Status::ok();
  }
  const uint32_t uid = store_.find_user(user);
  if (!uid) return Status::ok();
  if (model && cache_.get(uid, model->serial, &out->vec, &out->history, &out->negatives)) return Status::ok();
  // Read before the history: a put after a concurrent ingest is then refused.
  const uint64_t epoch = cache_.epoch(uid);
  if (types_.trivial()) {
    // Every type is a positive: the item ids alone, no strings built.
    if (Status s = store_.history_items(uid, history_cap_, &out->history); !s.is_ok()) return s;
  } else {
    // Ids and types, no item names built; reused: no allocation once warm.
    thread_local std::vector<uint32_t> items;
    thread_local std::vector<std::string> types;
    if (Status s = store_.history_typed(uid, history_cap_, &items, &types); !s.is_ok()) return s;
    for (size_t i = 0; i < items.size(); ++i) {
      switch (types_.classify(types[i]).role) {
        case model::TypePolicy::Role::kPositive: out->history.push_back(items[i]); break;
        case model::TypePolicy::Role::kNegative: out->negatives.push_back(items[i]); break;
        case model::TypePolicy::Role::kIgnored: break;
      }
    }
    std::sort(out->negatives.begin(), out->negatives.end());
    out->negatives.erase(std::unique(out->negatives.begin(), out->negatives.end()), out->negatives.end());
  }
  if (!model || out->history.empty()) return Status::ok();
  if (model->encode(out->history, &out->vec)) {
    cache_.put(uid, model->serial, epoch, out->vec, out->history, out->negatives);
  }
  return Status::ok();
}

}  // namespace attnrec::service

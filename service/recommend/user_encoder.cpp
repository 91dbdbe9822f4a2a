#include "service/recommend/user_encoder.h"

#include "service/recommend/encoder_cache.h"
#include "service/training/live_model.h"
#include "storage/store.h"

namespace attnrec::service {

UserEncoder::UserEncoder(const storage::Store& store, EncoderCache& cache, size_t history_cap)
    : store_(store), cache_(cache), history_cap_(history_cap) {}

Status UserEncoder::encode(const ServingModel* model, std::string_view user,
                           const std::vector<std::string>& session, EncodedUser* out) const {
  out->history.clear();
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
  if (model && cache_.get(uid, model->serial, &out->vec, &out->history)) return Status::ok();
  // Read before the history: a put after a concurrent ingest is then refused.
  const uint64_t epoch = cache_.epoch(uid);
  if (Status s = store_.history_items(uid, history_cap_, &out->history); !s.is_ok()) return s;
  if (!model || out->history.empty()) return Status::ok();
  if (model->encode(out->history, &out->vec)) {
    cache_.put(uid, model->serial, epoch, out->vec, out->history);
  }
  return Status::ok();
}

}  // namespace attnrec::service

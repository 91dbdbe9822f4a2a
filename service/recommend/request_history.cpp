#include "service/recommend/request_history.h"

#include "storage/store.h"

namespace attnrec::service {

Status request_history(const storage::Store& store, size_t history_cap, std::string_view user,
                       const std::vector<std::string>& session, std::vector<uint32_t>* items) {
  items->clear();
  if (user.empty()) {
    items->reserve(session.size());
    for (const auto& item : session) {
      if (const uint32_t id = store.find_item(item)) items->push_back(id);
    }
    return Status::ok();
  }
  const uint32_t uid = store.find_user(user);
  if (!uid) return Status::ok();
  std::vector<storage::HistoryEntry> entries;
  if (Status s = store.history(uid, history_cap, &entries); !s.is_ok()) return s;
  items->reserve(entries.size());
  for (const auto& e : entries) items->push_back(e.item);
  return Status::ok();
}

}  // namespace attnrec::service

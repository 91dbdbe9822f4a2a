#include "storage/rocks/id_dictionary.h"

#include <cassert>
#include <mutex>

namespace attnrec::storage {

uint32_t IdDictionary::find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = ids_.find(name);
  return it == ids_.end() ? 0 : it->second;
}

std::string IdDictionary::name(uint32_t id) const {
  std::shared_lock lock(mu_);
  return id < names_.size() ? names_[id] : std::string();
}

void IdDictionary::insert(std::vector<std::pair<uint32_t, std::string>> entries) {
  if (entries.empty()) return;
  std::unique_lock lock(mu_);
  for (auto& [id, name] : entries) {
    assert(id >= 1 && !name.empty());
    while (names_.size() <= id) names_.emplace_back();
    assert(names_[id].empty());
    names_[id] = std::move(name);
    ids_.emplace(names_[id], id);
  }
}

void IdDictionary::erase(uint32_t id) {
  std::unique_lock lock(mu_);
  if (id == 0 || id >= names_.size() || names_[id].empty()) return;
  ids_.erase(names_[id]);
  names_[id] = std::string();  // release memory, not just clear
}

}  // namespace attnrec::storage

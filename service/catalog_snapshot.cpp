#include "service/catalog_snapshot.h"

#include <algorithm>
#include <unordered_set>

namespace attnrec::service {

std::span<const uint32_t> CatalogSnapshot::tagged(std::string_view tag) const {
  const auto it = tags_.find(std::string(tag));
  if (it == tags_.end()) return {};
  return *it->second;
}

bool CatalogSnapshot::has_any_tag(uint32_t item, std::span<const std::string> tags) const {
  return std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
    const auto ids = tagged(tag);
    return std::binary_search(ids.begin(), ids.end(), item);
  });
}

void CatalogSnapshot::set(std::vector<uint64_t>& bits, uint32_t i, bool on) {
  if ((i >> 6) >= bits.size()) {
    if (!on) return;
    bits.resize((i >> 6) + 1, 0);
  }
  const uint64_t bit = uint64_t{1} << (i & 63);
  bits[i >> 6] = on ? (bits[i >> 6] | bit) : (bits[i >> 6] & ~bit);
}

std::shared_ptr<const CatalogSnapshot> CatalogSnapshot::apply(const CatalogSnapshot* base,
                                                              std::span<const Change> changes) {
  auto next = base ? std::make_shared<CatalogSnapshot>(*base) : std::make_shared<CatalogSnapshot>();
  // Tag lists touched by the changes: removals and additions, applied once per tag.
  std::unordered_map<std::string, std::pair<std::unordered_set<uint32_t>, std::vector<uint32_t>>> edits;
  for (const Change& c : changes) {
    set(next->listed_, c.item, c.after != nullptr);
    set(next->blocked_, c.item, !c.after || !c.after->available);
    if (c.before) {
      for (const auto& tag : c.before->tags) edits[tag].first.insert(c.item);
    }
    if (c.after) {
      for (const auto& tag : c.after->tags) edits[tag].second.push_back(c.item);
    }
  }
  for (auto& [tag, edit] : edits) {
    auto& [removed, added] = edit;
    IdList ids;
    if (auto it = next->tags_.find(tag); it != next->tags_.end()) {
      ids.reserve(it->second->size() + added.size());
      for (uint32_t id : *it->second) {
        if (!removed.count(id)) ids.push_back(id);
      }
    }
    // An item re-tagged with the same tag was removed above and comes back here.
    ids.insert(ids.end(), added.begin(), added.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.empty()) {
      next->tags_.erase(tag);
    } else {
      next->tags_[tag] = std::make_shared<const IdList>(std::move(ids));
    }
  }
  return next;
}

}  // namespace attnrec::service

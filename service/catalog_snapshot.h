// CatalogSnapshot: the catalog's filter facts at one moment, by store item
// id, as bitmaps and sorted id lists: which items must not be recommended
// (deleted or unavailable) and which items carry each tag. Immutable; the
// Catalog publishes a new one after every change (base/published.h), so a
// request filters thousands of items without a lock or a map lookup each.
//
// A change copies the bitmaps (an eighth of a byte per item) and the tag
// table (one pointer per tag) and rebuilds only the id lists of the tags it
// touches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "service/item.h"

namespace attnrec::service {

class CatalogSnapshot {
 public:
  // True when the item is deleted or unavailable: never recommend it.
  bool blocked(uint32_t item) const { return test(blocked_, item); }
  // True when the item has a catalog entry.
  bool listed(uint32_t item) const { return test(listed_, item); }
  // The items (store ids, ascending) carrying `tag`; empty when none do.
  std::span<const uint32_t> tagged(std::string_view tag) const;
  // True when the item carries any of `tags`.
  bool has_any_tag(uint32_t item, std::span<const std::string> tags) const;
  size_t tags() const { return tags_.size(); }

  // --- building (the Catalog, under its write lock) -------------------------
  // One item's entry before and after a change, by store id.
  struct Change {
    uint32_t item = 0;
    const Item* before = nullptr;  // nullptr: the item had no entry
    const Item* after = nullptr;   // nullptr: no entry now (deleted: blocked from now on)
  };
  // A copy of `base` (or of an empty snapshot) with the changes applied.
  static std::shared_ptr<const CatalogSnapshot> apply(const CatalogSnapshot* base,
                                                      std::span<const Change> changes);

 private:
  using IdList = std::vector<uint32_t>;
  static bool test(const std::vector<uint64_t>& bits, uint32_t i) {
    return (i >> 6) < bits.size() && ((bits[i >> 6] >> (i & 63)) & 1);
  }
  static void set(std::vector<uint64_t>& bits, uint32_t i, bool on);

  std::vector<uint64_t> blocked_;
  std::vector<uint64_t> listed_;
  std::unordered_map<std::string, std::shared_ptr<const IdList>> tags_;  // sorted ids
};

}  // namespace attnrec::service

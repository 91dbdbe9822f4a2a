// Which items a result may contain: not excluded, not deleted, available,
// and (when tags are asked for) having one of the tags.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace attnrec::service {

class Catalog;

struct ItemFilter {
  std::unordered_set<uint32_t> excluded;  // store item ids
  std::vector<std::string> tags;          // keep items having any of these; empty = all

  // True when the item (a store id) may be returned. Items without a catalog
  // entry pass only filters that need none (no tags).
  bool accepts(const Catalog& catalog, uint32_t item) const;
};

}  // namespace attnrec::service

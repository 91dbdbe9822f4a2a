// In-memory two-way map between external string ids and dense internal ids,
// one per kind (users, items). Loaded from RocksDB at open and updated by the
// store after each successful commit; it never touches the database itself.
//
// Thread-safe: lookups take a shared lock, updates an exclusive one. Updates
// are expected from one writer at a time (the group-commit leader).
#pragma once

#include <cstdint>
#include <deque>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace attnrec::storage {

class IdDictionary {
 public:
  // 0 when unknown.
  uint32_t find(std::string_view name) const;
  // Empty when unknown or erased.
  std::string name(uint32_t id) const;
  // Adds new mappings. Precondition: ids are >= 1 and not in use, names are
  // not in use.
  void insert(std::vector<std::pair<uint32_t, std::string>> entries);
  // Removes a mapping; unknown ids are ignored.
  void erase(uint32_t id);

 private:
  mutable std::shared_mutex mu_;
  // Index = internal id; "" for id 0 and erased ids. A deque never moves its
  // elements on growth, so ids_ can key on views into it.
  std::deque<std::string> names_{std::string()};
  std::unordered_map<std::string_view, uint32_t> ids_;
};

}  // namespace attnrec::storage

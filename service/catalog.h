// The in-memory view of the item catalog, keyed by the store's internal item
// id, for filtering recommendations (availability, tags) without reads.
// The store holds the durable copy; Recommender keeps both in step.
//
// Thread safety: all methods may be called concurrently; items are immutable
// and shared.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "service/status.h"
#include "service/types.h"

namespace attnrec::service {

class Catalog {
 public:
  void upsert(uint32_t id, std::shared_ptr<const Item> item);
  // Removes the entry and remembers the item as deleted (until re-created).
  void erase(uint32_t id);
  // True when the item's entry was deleted: it must not be recommended.
  bool deleted(uint32_t id) const;
  // nullptr when the item has no catalog entry.
  std::shared_ptr<const Item> find(uint32_t id) const;
  size_t size() const;

  // The stored form of an item (JSON) and back. An empty record is a
  // tombstone: the item was deleted and must not be recommended.
  static std::string encode_record(const Item& item);
  static Status decode_record(std::string_view id, std::string_view record, Item* item);

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<uint32_t, std::shared_ptr<const Item>> items_;  // guarded by mu_
  std::unordered_set<uint32_t> deleted_;                              // guarded by mu_
};

}  // namespace attnrec::service

// Catalog: the items that can be recommended, searched and filtered. The
// store holds the durable copy (one opaque JSON record per item); an
// in-memory view keyed by the store's internal item id answers filters
// (availability, tags, deletion) without reads; the search index is kept in
// step with every change.
//
// Thread safety: every method may be called from any number of threads at
// once; items are immutable and shared. A rejected call has written nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "service/item.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

struct Config;
class SearchIndex;


class Catalog {
 public:
  // Every reference must outlive this object.
  Catalog(storage::Store& store, SearchIndex& search, const Config& config);

  // Reads every stored record into the view and the search index (at start).
  Status load();

  // Upserts all items or none. kTooLarge over config.max_batch_items,
  // kInvalidArgument naming the item for a bad one.
  Status put(std::vector<Item> items);
  Status put(Item item);
  // kNotFound for an item without a catalog entry.
  Status get(std::string_view id, Item* item) const;
  // Deletes the entry; the item is never recommended again until it is
  // re-created. kNotFound for an item without a catalog entry.
  Status erase(std::string_view id);

  // --- the in-memory view, by internal item id ------------------------------
  // nullptr when the item has no catalog entry.
  std::shared_ptr<const Item> find(uint32_t item) const;
  // True when the item's entry was deleted: it must not be recommended.
  bool deleted(uint32_t item) const;
  size_t size() const;

 private:
  void upsert_view(uint32_t item, std::shared_ptr<const Item> entry);
  void erase_view(uint32_t item);

  storage::Store& store_;
  SearchIndex& search_;
  const Config& config_;
  mutable std::shared_mutex mu_;
  std::unordered_map<uint32_t, std::shared_ptr<const Item>> items_;  // guarded by mu_
  std::unordered_set<uint32_t> deleted_;                              // guarded by mu_
};

}  // namespace attnrec::service

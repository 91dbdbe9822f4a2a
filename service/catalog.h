// Catalog: the items that can be recommended, searched and filtered. The
// store holds the durable copy (one opaque JSON record per item); an
// in-memory view keyed by the store's internal item id answers filters
// (availability, tags, deletion) without reads or locks (CatalogSnapshot); the search index is kept in
// step with every change.
//
// Thread safety: every method may be called from any number of threads at
// once; items are immutable and shared. A rejected call has written nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/published.h"
#include "base/status.h"
#include "service/catalog_snapshot.h"
#include "service/item.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

struct Config;
class SearchIndex;


class Catalog {
 public:
  // Records as the store keeps them: (item id, JSON; empty = deleted).
  using Records = std::span<const std::pair<std::string, std::string>>;
  // Cluster mode: where put and erase send their records instead of the
  // store (service/cluster/catalog_log.h); the change reaches this catalog
  // through apply_records.
  using PublishFn = std::function<Status(Records)>;

  // Every reference must outlive this object.
  Catalog(storage::Store& store, SearchIndex& search, const Config& config, PublishFn publish = {});

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

  // Writes validated records to the store, the view and the search index
  // (the cluster's catalog bucket applying a change).
  Status apply_records(Records records);

  // --- the in-memory view, by internal item id ------------------------------
  // nullptr when the item has no catalog entry.
  std::shared_ptr<const Item> find(uint32_t item) const;
  size_t size() const;
  // The filter facts (deleted, unavailable, tags) as of the last change; a
  // lock-free read (service/catalog_snapshot.h).
  std::shared_ptr<const CatalogSnapshot> snapshot() const { return snapshot_.load(); }

 private:
  // Entries by store id; nullptr = deleted (tombstone). Applied to the view
  // and published as one new snapshot; a later entry for the same id wins.
  using ViewChange = std::pair<uint32_t, std::shared_ptr<const Item>>;
  void update_view(std::vector<ViewChange> changes);

  storage::Store& store_;
  SearchIndex& search_;
  const Config& config_;
  const PublishFn publish_;
  mutable std::shared_mutex mu_;
  std::unordered_map<uint32_t, std::shared_ptr<const Item>> items_;  // guarded by mu_
  Published<CatalogSnapshot> snapshot_;  // replaced under mu_ (writers), read without it
};

}  // namespace attnrec::service

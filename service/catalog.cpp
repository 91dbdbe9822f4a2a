#include "service/catalog.h"

#include <boost/json.hpp>

#include "service/clock.h"
#include "service/config.h"
#include "service/json_codec.h"
#include "service/search/search_index.h"
#include "service/validate.h"
#include "storage/store.h"

namespace attnrec::service {
namespace {

// The stored form of an item: its JSON without the id (the key holds it).
// An empty record is a tombstone: the item was deleted.
std::string encode_record(const Item& item) {
  boost::json::object o = encode_item(item);
  o.erase("id");
  o.erase("updated");
  o["updated_ms"] = item.updated_ms;
  return boost::json::serialize(o);
}

Status decode_record(std::string_view id, std::string_view record, Item* item) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(record, ec);
  if (ec || !v.is_object()) {
    return Status::corruption("catalog record of item " + quoted(id) + " is corrupt");
  }
  auto& o = v.get_object();
  int64_t updated = 0;
  if (auto* u = o.if_contains("updated_ms"); u && u->is_int64()) updated = u->get_int64();
  o.erase("updated_ms");
  *item = Item{};
  item->id = std::string(id);
  if (Status s = decode_item(v, item); !s.is_ok()) {
    return Status::corruption("catalog record of item " + quoted(id) + ": " + s.message());
  }
  item->updated_ms = updated;
  return Status::ok();
}

}  // namespace

Catalog::Catalog(storage::Store& store, SearchIndex& search, const Config& config)
    : store_(store), search_(search), config_(config) {}

Status Catalog::load() {
  Status bad;
  const Status s = store_.scan_catalog(
      [&](uint32_t id, std::string_view item_id, std::string_view record) {
        if (record.empty()) {  // tombstone of a deleted item
          erase_view(id);
          return;
        }
        auto item = std::make_shared<Item>();
        if (Status d = decode_record(item_id, record, item.get()); !d.is_ok()) {
          if (bad.is_ok()) bad = d;
          return;
        }
        search_.upsert(id, *item);
        upsert_view(id, std::move(item));
      });
  return s.is_ok() ? bad : s;
}

Status Catalog::put(Item item) {
  std::vector<Item> items;
  items.push_back(std::move(item));
  return put(std::move(items));
}

Status Catalog::put(std::vector<Item> items) {
  if (items.empty()) return Status::invalid_argument("no items given");
  if (items.size() > config_.max_batch_items) {
    return Status::too_large("a batch holds at most " + std::to_string(config_.max_batch_items) +
                             " items; got " + std::to_string(items.size()));
  }
  const int64_t now = now_ms();
  std::vector<std::pair<std::string, std::string>> records;
  records.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (Status s = check_item(items[i]); !s.is_ok()) {
      return items.size() > 1 ? s.with_prefix("items[" + std::to_string(i) + "]: ") : s;
    }
    items[i].updated_ms = now;
    records.emplace_back(items[i].id, encode_record(items[i]));
  }
  if (Status s = store_.put_catalog(records); !s.is_ok()) return s;
  for (auto& item : items) {
    const uint32_t id = store_.find_item(item.id);
    search_.upsert(id, item);
    upsert_view(id, std::make_shared<const Item>(std::move(item)));
  }
  return Status::ok();
}

Status Catalog::get(std::string_view id, Item* item) const {
  const uint32_t internal = store_.find_item(id);
  auto entry = internal ? find(internal) : nullptr;
  if (!entry) return Status::not_found("no item " + quoted(id) + " in the catalog");
  *item = *entry;
  return Status::ok();
}

Status Catalog::erase(std::string_view id) {
  const uint32_t internal = store_.find_item(id);
  if (!internal || !find(internal)) return Status::not_found("no item " + quoted(id) + " in the catalog");
  // A tombstone, not a delete: the id and its events stay, and the item must
  // not come back into recommendations after a restart.
  const std::pair<std::string, std::string> tombstone{std::string(id), std::string()};
  if (Status s = store_.put_catalog({&tombstone, 1}); !s.is_ok()) return s;
  erase_view(internal);
  search_.remove(internal);
  return Status::ok();
}

std::shared_ptr<const Item> Catalog::find(uint32_t item) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(item);
  return it == items_.end() ? nullptr : it->second;
}

bool Catalog::deleted(uint32_t item) const {
  std::shared_lock lock(mu_);
  return deleted_.count(item) > 0;
}

size_t Catalog::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

void Catalog::upsert_view(uint32_t item, std::shared_ptr<const Item> entry) {
  std::unique_lock lock(mu_);
  items_[item] = std::move(entry);
  deleted_.erase(item);
}

void Catalog::erase_view(uint32_t item) {
  std::unique_lock lock(mu_);
  items_.erase(item);
  deleted_.insert(item);
}

}  // namespace attnrec::service

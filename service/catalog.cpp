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

Catalog::Catalog(storage::Store& store, SearchIndex& search, const Config& config, PublishFn publish)
    : store_(store), search_(search), config_(config), publish_(std::move(publish)) {
  snapshot_.store(std::make_shared<const CatalogSnapshot>());
}

Status Catalog::load() {
  Status bad;
  std::vector<ViewChange> view;
  const Status s = store_.scan_catalog(
      [&](uint32_t id, std::string_view item_id, std::string_view record) {
        if (record.empty()) {  // tombstone of a deleted item
          view.emplace_back(id, nullptr);
          return;
        }
        auto item = std::make_shared<Item>();
        if (Status d = decode_record(item_id, record, item.get()); !d.is_ok()) {
          if (bad.is_ok()) bad = d;
          return;
        }
        search_.upsert(id, *item);
        view.emplace_back(id, std::move(item));
      });
  update_view(std::move(view));
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
  if (publish_) return publish_(records);
  if (Status s = store_.put_catalog(records); !s.is_ok()) return s;
  std::vector<ViewChange> view;
  view.reserve(items.size());
  for (auto& item : items) {
    const uint32_t id = store_.find_item(item.id);
    search_.upsert(id, item);
    view.emplace_back(id, std::make_shared<const Item>(std::move(item)));
  }
  update_view(std::move(view));
  return Status::ok();
}

Status Catalog::apply_records(Records records) {
  std::vector<std::pair<std::string, std::shared_ptr<Item>>> decoded;
  decoded.reserve(records.size());
  for (const auto& [id, record] : records) {
    std::shared_ptr<Item> item;
    if (!record.empty()) {
      item = std::make_shared<Item>();
      if (Status d = decode_record(id, record, item.get()); !d.is_ok()) return d;
    }
    decoded.emplace_back(id, std::move(item));
  }
  if (Status s = store_.put_catalog(records); !s.is_ok()) return s;
  std::vector<ViewChange> view;
  view.reserve(decoded.size());
  for (auto& [id, item] : decoded) {
    const uint32_t internal = store_.find_item(id);
    if (item) {
      search_.upsert(internal, *item);
    } else {
      search_.remove(internal);
    }
    view.emplace_back(internal, std::move(item));
  }
  update_view(std::move(view));
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
  return publish_ ? publish_({&tombstone, 1}) : apply_records({&tombstone, 1});
}

std::shared_ptr<const Item> Catalog::find(uint32_t item) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(item);
  return it == items_.end() ? nullptr : it->second;
}

size_t Catalog::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

void Catalog::update_view(std::vector<ViewChange> changes) {
  // The last change of each id wins (a batch may name an item twice).
  std::unordered_map<uint32_t, size_t> last;
  for (size_t i = 0; i < changes.size(); ++i) last[changes[i].first] = i;
  std::unique_lock lock(mu_);
  std::vector<CatalogSnapshot::Change> facts;
  facts.reserve(last.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    const auto& [id, entry] = changes[i];
    if (last[id] != i) continue;
    const auto it = items_.find(id);
    facts.push_back({id, it == items_.end() ? nullptr : it->second.get(), entry.get()});
  }
  // Built from the entries before they are replaced (the change's `before`).
  auto next = CatalogSnapshot::apply(snapshot_.load().get(), facts);
  for (auto& [id, entry] : changes) {
    if (entry) {
      items_[id] = std::move(entry);
    } else {
      items_.erase(id);
    }
  }
  snapshot_.store(std::move(next));
}

}  // namespace attnrec::service

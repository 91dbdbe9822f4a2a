#include "service/catalog.h"

#include <boost/json.hpp>

#include "service/codec.h"

namespace attnrec::service {

void Catalog::upsert(uint32_t id, std::shared_ptr<const Item> item) {
  std::unique_lock lock(mu_);
  items_[id] = std::move(item);
  deleted_.erase(id);
}

void Catalog::erase(uint32_t id) {
  std::unique_lock lock(mu_);
  items_.erase(id);
  deleted_.insert(id);
}

bool Catalog::deleted(uint32_t id) const {
  std::shared_lock lock(mu_);
  return deleted_.count(id) > 0;
}

std::shared_ptr<const Item> Catalog::find(uint32_t id) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(id);
  return it == items_.end() ? nullptr : it->second;
}

size_t Catalog::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

std::string Catalog::encode_record(const Item& item) {
  boost::json::object o = encode_item(item);
  o.erase("id");  // the key holds it
  o.erase("updated");
  o["updated_ms"] = item.updated_ms;
  return boost::json::serialize(o);
}

Status Catalog::decode_record(std::string_view id, std::string_view record, Item* item) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(record, ec);
  if (ec || !v.is_object()) {
    return Status::internal("catalog record of item '" + std::string(id) + "' is corrupt");
  }
  auto& o = v.get_object();
  int64_t updated = 0;
  if (auto* u = o.if_contains("updated_ms"); u && u->is_int64()) updated = u->get_int64();
  o.erase("updated_ms");
  *item = Item{};
  item->id = std::string(id);
  if (Status s = decode_item(v, item); !s.is_ok()) {
    return Status::internal("catalog record of item '" + std::string(id) + "': " + s.message());
  }
  item->updated_ms = updated;
  return Status::ok();
}

}  // namespace attnrec::service

#include "service/recommend/item_filter.h"

#include <algorithm>

#include "service/catalog.h"

namespace attnrec::service {

bool ItemFilter::accepts(const Catalog& catalog, uint32_t item) const {
  if (excluded.count(item) || catalog.deleted(item)) return false;
  auto entry = catalog.find(item);
  if (entry && !entry->available) return false;
  if (tags.empty()) return true;
  if (!entry) return false;
  return std::any_of(entry->tags.begin(), entry->tags.end(), [&](const std::string& t) {
    return std::find(tags.begin(), tags.end(), t) != tags.end();
  });
}

}  // namespace attnrec::service

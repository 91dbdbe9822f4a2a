// Tests of service/catalog_snapshot.*: the filter facts of the catalog.
#include <vector>

#include <catch2/catch.hpp>

#include "service/catalog_snapshot.h"

using attnrec::service::CatalogSnapshot;
using attnrec::service::Item;

namespace {

Item item(std::vector<std::string> tags, bool available = true) {
  Item i;
  i.id = "x";
  i.tags = std::move(tags);
  i.available = available;
  return i;
}

std::vector<uint32_t> ids(std::span<const uint32_t> s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("a catalog snapshot answers blocked, listed and tagged items", "[catalog]") {
  const Item comedy = item({"comedy"}), both = item({"comedy", "drama"}), gone = item({"drama"}, false);
  const std::vector<CatalogSnapshot::Change> first{{3, nullptr, &comedy}, {70, nullptr, &both},
                                                   {5, nullptr, &gone}};
  const auto s1 = CatalogSnapshot::apply(nullptr, first);
  CHECK(s1->listed(3));
  CHECK(s1->listed(70));
  CHECK_FALSE(s1->listed(4));
  CHECK_FALSE(s1->listed(100000));  // beyond the bitmap
  CHECK_FALSE(s1->blocked(3));
  CHECK(s1->blocked(5));  // unavailable
  CHECK_FALSE(s1->blocked(4));  // no entry: not blocked
  CHECK(ids(s1->tagged("comedy")) == std::vector<uint32_t>{3, 70});
  CHECK(ids(s1->tagged("drama")) == std::vector<uint32_t>{5, 70});
  CHECK(s1->tagged("horror").empty());
  const std::vector<std::string> want{"drama"};
  CHECK(s1->has_any_tag(70, want));
  CHECK_FALSE(s1->has_any_tag(3, want));

  // Re-tag item 3, delete item 70: the new snapshot changes, the old one not.
  const Item horror = item({"horror"});
  const std::vector<CatalogSnapshot::Change> second{{3, &comedy, &horror}, {70, &both, nullptr}};
  const auto s2 = CatalogSnapshot::apply(s1.get(), second);
  CHECK(s2->tagged("comedy").empty());
  CHECK(s2->tags() == 2);  // drama (item 5) and horror
  CHECK(ids(s2->tagged("horror")) == std::vector<uint32_t>{3});
  CHECK(ids(s2->tagged("drama")) == std::vector<uint32_t>{5});
  CHECK(s2->blocked(70));
  CHECK_FALSE(s2->listed(70));
  CHECK(ids(s1->tagged("comedy")) == std::vector<uint32_t>{3, 70});
  CHECK_FALSE(s1->blocked(70));

  // Re-created after the delete: recommendable again.
  const std::vector<CatalogSnapshot::Change> third{{70, nullptr, &comedy}};
  const auto s3 = CatalogSnapshot::apply(s2.get(), third);
  CHECK_FALSE(s3->blocked(70));
  CHECK(ids(s3->tagged("comedy")) == std::vector<uint32_t>{70});
}

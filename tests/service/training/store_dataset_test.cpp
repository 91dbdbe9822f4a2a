#include "service/training/store_dataset.h"

#include <memory>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/store.h"
#include "temp_dir.h"

using namespace attnrec;
using attnrec::testing::TempDir;

namespace {

storage::Event ev(std::string user, std::string item, std::string type, int64_t ts_ms) {
  return {std::move(user), std::move(item), std::move(type), ts_ms, 1.0f, ""};
}

std::vector<std::string> items_of(const model::Dataset& d, size_t u) {
  std::vector<std::string> out;
  for (int32_t i : d.seqs[u]) out.push_back(d.item_ids[size_t(i - 1)]);
  return out;
}

}  // namespace

TEST_CASE("store dataset: the type policy makes the sequences, weights and negatives", "[models][types]") {
  TempDir dir;
  storage::Options options;
  options.path = dir.path() + "/store";
  std::unique_ptr<storage::Store> store;
  REQUIRE(storage::Store::open(options, &store).is_ok());
  const std::vector<storage::Event> events = {
      ev("a", "x", "view", 1000), ev("a", "y", "purchase", 2000), ev("a", "z", "dislike", 3000),
      ev("a", "w", "share", 4000), ev("a", "y", "view", 5000),    ev("b", "z", "view", 1000),
      ev("b", "x", "hide", 1000)};
  storage::WriteResult written;
  REQUIRE(store->write_events(events, &written).is_ok());

  auto types = model::TypePolicy::parse("view,purchase:2", "dislike,hide");
  REQUIRE(types.ok());
  model::Dataset d;
  REQUIRE(service::read_store_dataset(*store, types.value(), &d).is_ok());
  REQUIRE(d.user_ids == std::vector<std::string>{"a", "b"});
  CHECK(items_of(d, 0) == std::vector<std::string>{"x", "y", "y"});  // no dislike, no share
  CHECK(items_of(d, 1) == std::vector<std::string>{"z"});
  REQUIRE(d.weights.size() == 2);
  CHECK(d.weights[0] == std::vector<float>{1, 2, 1});  // the purchase at its weight
  REQUIRE(d.negatives_of(0).size() == 1);
  CHECK(d.item_ids[size_t(d.negatives_of(0)[0] - 1)] == "z");
  REQUIRE(d.negatives_of(1).size() == 1);
  CHECK(d.item_ids[size_t(d.negatives_of(1)[0] - 1)] == "x");
  CHECK(d.ignored == 1);

  // A trained model's dictionary without x: its position goes, the others
  // keep their weights and the negative its mark.
  const model::Dataset remapped = service::remap_dataset(d, {"y", "z"});
  CHECK(remapped.seqs[0] == std::vector<int32_t>{1, 1});
  REQUIRE(remapped.weights.size() == 2);
  CHECK(remapped.weights[0] == std::vector<float>{2, 1});
  REQUIRE(remapped.negatives_of(0).size() == 1);
  CHECK(remapped.negatives_of(0)[0] == 2);
  CHECK(remapped.negatives_of(1).empty());  // x is not in this dictionary
  CHECK(remapped.dropped == 1);

  // Types beyond the serving history's cap are known too: they come with the log.
  {
    TempDir small_dir;
    storage::Options o;
    o.path = small_dir.path() + "/store";
    o.history_cap = 2;
    std::unique_ptr<storage::Store> small;
    REQUIRE(storage::Store::open(o, &small).is_ok());
    REQUIRE(small->write_events(events, &written).is_ok());
    model::Dataset from_small;
    REQUIRE(service::read_store_dataset(*small, types.value(), &from_small).is_ok());
    CHECK(items_of(from_small, 0) == std::vector<std::string>{"x", "y", "y"});  // the dislike is 3rd newest of 5
    REQUIRE(from_small.negatives_of(0).size() == 1);
    CHECK(from_small.item_ids[size_t(from_small.negatives_of(0)[0] - 1)] == "z");
  }

  // The default policy: every type but dislike and hide.
  REQUIRE(service::read_store_dataset(*store, model::TypePolicy{}, &d).is_ok());
  CHECK(items_of(d, 0) == std::vector<std::string>{"x", "y", "w", "y"});
  CHECK(d.weights.empty());
}

// The Store contract, through the public API only (any implementation must
// pass). RocksDB-specific checks are in rocks/rocks_store_test.cpp.
#include "storage/store.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "store_fixture.h"

using attnrec::Status;
using namespace attnrec::storage;
using namespace attnrec::storage::testing;

TEST_CASE("reopen keeps ids, events, history, catalog, models, meta and counters", "[storage][store]") {
  TempDir dir;
  const Options o = options_for(dir.sub("db"));
  {
    auto store = open_store(o);
    auto r = write(*store, {ev("alice", "i1", 1000, "e1"), ev("alice", "i2", 2000), ev("bob", "i1", 1500, "e2")});
    CHECK(r.written == 3);
    CHECK(r.duplicates == 0);
    // A catalog record creates its item's id; an existing item keeps its id.
    REQUIRE(store->put_catalog(std::vector<std::pair<std::string, std::string>>{{"i9", "nine"}}).is_ok());
    REQUIRE(store->put_catalog(std::vector<std::pair<std::string, std::string>>{{"i1", "{\"title\":\"one\"}"},
                                                                               {"i7", "seven"}})
                .is_ok());
    REQUIRE(store->put_model("v1", "record-1").is_ok());
    REQUIRE(store->put_model("v2", "record-2").is_ok());
    REQUIRE(store->set_meta("active_model", "v2").is_ok());
    REQUIRE(store->set_meta("schema_version", "not the real one").is_ok());  // prefixed, cannot clash
  }
  auto store = open_store(o);
  CHECK(store->find_user("alice") == 1);
  CHECK(store->find_user("bob") == 2);
  CHECK(store->find_user("carol") == 0);
  CHECK(store->user_name(2) == "bob");
  CHECK(store->user_name(3).empty());
  CHECK(store->find_item("i1") == 1);
  CHECK(store->find_item("i2") == 2);
  CHECK(store->find_item("i9") == 3);
  CHECK(store->find_item("i7") == 4);
  CHECK(store->item_name(4) == "i7");

  CHECK(all_events(*store) == std::vector<EventRow>{{"alice", "i1", 1000}, {"alice", "i2", 2000}, {"bob", "i1", 1500}});
  CHECK(history_items(*store, "alice") == std::vector<std::string>{"i1", "i2"});
  std::vector<HistoryEntry> h;
  REQUIRE(store->history(store->find_user("bob"), 10, &h).is_ok());
  REQUIRE(h.size() == 1);
  CHECK(h[0].item == 1);
  CHECK(h[0].type == "view");
  CHECK(h[0].ts_ms == 1500);
  CHECK(h[0].weight == 1.0f);

  // Exactly the items given a record (not i2, which only has events).
  CHECK(catalog_rows(*store) == std::vector<std::string>{"1:i1={\"title\":\"one\"}", "3:i9=nine", "4:i7=seven"});

  std::string rec;
  std::vector<std::pair<std::string, std::string>> models;
  REQUIRE(store->list_models(&models).is_ok());
  CHECK(models == std::vector<std::pair<std::string, std::string>>{{"v1", "record-1"}, {"v2", "record-2"}});
  REQUIRE(store->get_model("v1", &rec).is_ok());
  CHECK(rec == "record-1");
  CHECK(store->get_model("v3", &rec).is_not_found());
  REQUIRE(store->get_meta("active_model", &rec).is_ok());
  CHECK(rec == "v2");
  CHECK(store->get_meta("missing", &rec).is_not_found());

  const Stats st = store->stats();
  CHECK(st.users == 2);
  CHECK(st.items == 4);
  CHECK(st.events == 3);
  CHECK(st.disk_bytes > 0);

  // New ids continue after the stored counters.
  write(*store, {ev("carol", "i10", 1)});
  CHECK(store->find_user("carol") == 3);
  CHECK(store->find_item("i10") == 5);
}

TEST_CASE("a catalog upsert replaces the record and the item keeps its id", "[storage][store]") {
  TempDir dir;
  auto store = open_store(options_for(dir.sub("db")));
  using Records = std::vector<std::pair<std::string, std::string>>;
  REQUIRE(store->put_catalog(Records{{"i1", "a"}}).is_ok());
  REQUIRE(store->put_catalog(Records{{"i1", "b"}, {"i2", "c"}}).is_ok());
  CHECK(catalog_rows(*store) == std::vector<std::string>{"1:i1=b", "2:i2=c"});
  // An empty record is kept as one (the service's tombstone of a deleted item).
  REQUIRE(store->put_catalog(Records{{"i1", ""}}).is_ok());
  CHECK(catalog_rows(*store) == std::vector<std::string>{"1:i1=", "2:i2=c"});
  write(*store, {ev("u", "i1", 1)});
  CHECK(store->find_item("i1") == 1);
  CHECK(history_items(*store, "u") == std::vector<std::string>{"i1"});
  CHECK(store->put_catalog(Records{{"", "x"}}).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("added items get ids that survive a reopen and are kept by later events", "[storage][store]") {
  TempDir dir;
  const Options o = options_for(dir.sub("db"));
  {
    auto store = open_store(o);
    write(*store, {ev("u", "a", 1)});
    // Known items keep their id, repeated names get one id, nothing else is written.
    REQUIRE(store->add_items(std::vector<std::string>{"a", "b", "c", "b"}).is_ok());
    CHECK(store->find_item("a") == 1);
    CHECK(store->find_item("b") == 2);
    CHECK(store->find_item("c") == 3);
    CHECK(catalog_rows(*store).empty());
    CHECK(store->stats().events == 1);
    CHECK(store->add_items(std::vector<std::string>{"d", ""}).code() == Status::Code::kInvalidArgument);
    CHECK(store->find_item("d") == 0);  // a refused call adds nothing
  }
  auto store = open_store(o);
  CHECK(store->find_item("c") == 3);
  CHECK(store->item_name(2) == "b");
  write(*store, {ev("u", "c", 2), ev("u", "e", 3)});
  CHECK(store->find_item("c") == 3);
  CHECK(store->find_item("e") == 4);
  CHECK(history_items(*store, "u") == std::vector<std::string>{"a", "c", "e"});
}

TEST_CASE("a repeated idempotency key is stored once", "[storage][store][idempotency]") {
  TempDir dir;
  const Options o = options_for(dir.sub("db"));
  {
    auto store = open_store(o);
    auto r = write(*store, {ev("u", "a", 1, "x"), ev("u", "b", 2, "x"), ev("u", "c", 3), ev("u", "c", 3)});
    CHECK(r.written == 3);  // events without a key are never duplicates
    CHECK(r.duplicates == 1);
    CHECK(r.stored == std::vector<bool>{true, false, true, true});
    r = write(*store, {ev("u", "d", 4, "x"), ev("u", "e", 5, "y")});
    CHECK(r.written == 1);
    CHECK(r.duplicates == 1);
    CHECK(r.stored == std::vector<bool>{false, true});
  }
  auto store = open_store(o);
  auto r = write(*store, {ev("u", "f", 6, "y"), ev("u", "g", 7, "x"), ev("v", "h", 8, "z")});
  CHECK(r.written == 1);
  CHECK(r.duplicates == 2);
  CHECK(r.stored == std::vector<bool>{false, false, true});
  using Ids = std::vector<std::pair<uint32_t, uint32_t>>;
  CHECK(r.ids == Ids{{0, 0}, {0, 0}, {store->find_user("v"), store->find_item("h")}});
  CHECK(store->find_user("v") != 0);
  CHECK(store->stats().events == 5);
  CHECK(history_items(*store, "u") == std::vector<std::string>{"a", "c", "c", "e"});
  CHECK(store->find_item("d") == 0);  // a duplicate creates no ids
  CHECK(store->find_item("g") == 0);
}

TEST_CASE("erase_user removes every trace of the user", "[storage][store][erase]") {
  TempDir dir;
  const Options o = options_for(dir.sub("db"));
  auto store = open_store(o);
  write(*store, {ev("gone", "i1", 1, "g1"), ev("keep", "i1", 2, "k1"), ev("gone", "i2", 3, "g2"), ev("gone", "i3", 4)});
  REQUIRE(store->stats().events == 4);
  const uint32_t gone = store->find_user("gone");

  REQUIRE(store->erase_user("gone", nullptr).is_ok());
  CHECK(store->erase_user("gone", nullptr).is_not_found());
  CHECK(store->erase_user("never", nullptr).is_not_found());
  CHECK(store->find_user("gone") == 0);
  CHECK(store->user_name(gone).empty());
  std::vector<HistoryEntry> h;
  REQUIRE(store->history(gone, 100, &h).is_ok());
  CHECK(h.empty());
  CHECK(all_events(*store) == std::vector<EventRow>{{"keep", "i1", 2}});
  CHECK(store->stats().events == 1);
  CHECK(history_items(*store, "keep") == std::vector<std::string>{"i1"});

  // The dedup keys are gone too: the same event ids are new again, while the
  // other user's key still deduplicates.
  auto r = write(*store, {ev("gone", "i1", 1, "g1"), ev("gone", "i2", 3, "g2"), ev("keep", "i9", 9, "k1")});
  CHECK(r.written == 2);
  CHECK(r.duplicates == 1);
  CHECK(store->find_user("gone") != gone);  // a new id; old ids are not reused
  CHECK(history_items(*store, "gone") == std::vector<std::string>{"i1", "i2"});
  REQUIRE(store->erase_user("gone", nullptr).is_ok());
  store.reset();

  auto reopened = open_store(o);
  CHECK(reopened->find_user("gone") == 0);
  CHECK(reopened->stats().events == 1);
}

TEST_CASE("erase_user reports every event it removed, beyond the history cap", "[storage][store][erase]") {
  TempDir dir;
  auto store = open_store(options_for(dir.sub("db"), /*history_cap=*/4));
  std::vector<Event> events;
  for (int i = 0; i < 10; ++i) events.push_back(ev("gone", "i" + std::to_string(i % 3), 100 + i));
  events.push_back(ev("keep", "i0", 50));
  write(*store, events);
  std::vector<ErasedEvent> erased;
  REQUIRE(store->erase_user("gone", &erased).is_ok());
  REQUIRE(erased.size() == 10);  // all of them, not the 4 the history keeps
  std::multiset<std::pair<uint32_t, int64_t>> got, want;
  for (const auto& e : erased) got.insert({e.item, e.ts_ms});
  for (int i = 0; i < 10; ++i) want.insert({store->find_item("i" + std::to_string(i % 3)), 100 + i});
  CHECK(got == want);
  CHECK(store->stats().events == 1);
  CHECK(store->erase_user("gone", &erased).is_not_found());
}

TEST_CASE("history keeps the newest cap events in time order", "[storage][store][history]") {
  // Merged into the store at every write, every few writes, or only at close.
  const size_t buffer = GENERATE(size_t{1}, size_t{3}, size_t{1} << 18);
  TempDir dir;
  const Options o = options_for(dir.sub("db"), /*history_cap=*/4, buffer);
  {
    auto store = open_store(o);
    // Out of order across and within batches; equal times keep arrival order.
    write(*store, {ev("u", "t50", 50), ev("u", "t10", 10), ev("u", "t30", 30)});
    write(*store, {ev("u", "t20", 20), ev("u", "t60", 60)});
    write(*store, {ev("u", "t5", 5)});  // older than all kept: dropped by the cap
    write(*store, {ev("u", "t60b", 60), ev("u", "tneg", -1)});
    CHECK(history_items(*store, "u") == std::vector<std::string>{"t30", "t50", "t60", "t60b"});
    CHECK(history_items(*store, "u", 2) == std::vector<std::string>{"t60", "t60b"});
    CHECK(history_items(*store, "u", 0).empty());
    // The event log keeps everything, in arrival order; the training
    // snapshot hands it out in time order (equal times in arrival order).
    CHECK(all_events(*store).size() == 8);
    CHECK(std::get<1>(all_events(*store).front()) == "t50");
    CHECK(std::get<1>(all_events(*store).back()) == "tneg");
    auto snap = store->snapshot();
    uint32_t user = 0;
    std::vector<uint32_t> items;
    std::vector<int64_t> ts;
    std::vector<std::string_view> types;
    REQUIRE(snap->next(&user, &items, &ts, &types));
    CHECK(types == std::vector<std::string_view>(8, "view"));
    CHECK(user == store->find_user("u"));
    std::vector<std::string> names;
    for (uint32_t i : items) names.push_back(store->item_name(i));
    CHECK(names == std::vector<std::string>{"tneg", "t5", "t10", "t20", "t30", "t50", "t60", "t60b"});
    CHECK(ts == std::vector<int64_t>{-1, 5, 10, 20, 30, 50, 60, 60});
    CHECK_FALSE(snap->next(&user, &items, &ts));
    CHECK(snap->status().is_ok());
  }
  auto store = open_store(o);
  CHECK(history_items(*store, "u") == std::vector<std::string>{"t30", "t50", "t60", "t60b"});
  std::vector<Event> many;
  for (int i = 0; i < 20; ++i) many.push_back(ev("u", numbered("n", i), 100 + i));
  write(*store, many);
  CHECK(history_items(*store, "u") == std::vector<std::string>{"n16", "n17", "n18", "n19"});
}

TEST_CASE("a snapshot sees none of the writes made after it", "[storage][store][snapshot]") {
  TempDir dir;
  auto store = open_store(options_for(dir.sub("db")));
  write(*store, {ev("a", "i1", 30), ev("a", "i2", 10), ev("b", "i3", 5)});
  auto snap = store->snapshot();
  write(*store, {ev("a", "i4", 20), ev("c", "i5", 1)});
  REQUIRE(store->erase_user("b", nullptr).is_ok());

  uint32_t user = 0;
  std::vector<uint32_t> items;
  std::vector<int64_t> ts;
  REQUIRE(snap->next(&user, &items, &ts));
  CHECK(user == 1);
  CHECK(items == std::vector<uint32_t>{2, 1});
  CHECK(ts == std::vector<int64_t>{10, 30});
  REQUIRE(snap->next(&user, &items, &ts));
  CHECK(user == 2);
  CHECK(items == std::vector<uint32_t>{3});
  CHECK_FALSE(snap->next(&user, &items, &ts));
  CHECK(snap->status().is_ok());

  auto later = store->snapshot();
  size_t users = 0;
  while (later->next(&user, &items, &ts)) ++users;
  CHECK(users == 2);  // a (3 events) and c
  CHECK(later->status().is_ok());
}

TEST_CASE("open refuses a path that is not a store, and a store already open", "[storage][store][schema]") {
  TempDir dir;

  SECTION("a directory of other files") {
    std::ofstream(dir.sub("notes.txt")) << "hello";
    std::unique_ptr<Store> store;
    Status s = Store::open(options_for(dir.path()), &store);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("not an attnrec store"));
    CHECK(std::filesystem::exists(dir.sub("notes.txt")));
    CHECK_FALSE(std::filesystem::exists(dir.sub("CURRENT")));
  }
  SECTION("a file, not a directory") {
    std::ofstream(dir.sub("file")) << "x";
    std::unique_ptr<Store> store;
    CHECK(Store::open(options_for(dir.sub("file")), &store).code() == Status::Code::kInvalidArgument);
  }
  SECTION("a missing directory without create_if_missing") {
    Options o = options_for(dir.sub("absent"));
    o.create_if_missing = false;
    std::unique_ptr<Store> store;
    CHECK(Store::open(o, &store).is_not_found());
  }
  SECTION("a store that is already open") {
    auto first = open_store(options_for(dir.sub("db")));
    std::unique_ptr<Store> second;
    Status s = Store::open(options_for(dir.sub("db")), &second);
    CHECK(s.code() == Status::Code::kUnavailable);
    CHECK_THAT(s.message(), Catch::Contains("already open"));
  }
}

TEST_CASE("an empty existing directory becomes a store", "[storage][store][schema]") {
  TempDir dir;  // exists, empty
  { write(*open_store(options_for(dir.path())), {ev("u", "i", 1)}); }
  CHECK(open_store(options_for(dir.path()))->stats().events == 1);
}

// RocksStore beyond the Store contract: what it leaves in each column family,
// how it refuses RocksDB databases that are not stores of this schema, and
// that a failed group commit (injected) leaks nothing.
#include "storage/rocks/rocks_store.h"

#include <algorithm>
#include <map>

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include "storage/rocks/database.h"
#include "storage/rocks/history_merge.h"
#include "storage/rocks/keys.h"
#include "../store_fixture.h"

using attnrec::Status;
using namespace attnrec::storage;
using namespace attnrec::storage::testing;

TEST_CASE("a write is all or nothing and a failed group leaks no ids", "[storage][rocks][atomicity]") {
  TempDir dir;
  const Options o = options_for(dir.sub("db"));
  std::unique_ptr<RocksStore> store;
  REQUIRE(RocksStore::open(o, &store).is_ok());

  SECTION("a rejected request stores nothing") {
    WriteResult r;
    std::vector<Event> events{ev("u1", "i1", 1, "k1"), ev("u2", "", 2)};
    CHECK(store->write_events(events, &r).code() == Status::Code::kInvalidArgument);
    CHECK(r.written == 0);
  }
  SECTION("a failed commit stores nothing") {
    store->fail_next_commit_for_testing(Status::io_error("injected"));
    WriteResult r;
    std::vector<Event> events{ev("u1", "i1", 1, "k1"), ev("u2", "i2", 2)};
    Status s = store->write_events(events, &r);
    CHECK(s.code() == Status::Code::kIOError);
    CHECK(r.written == 0);
    store->fail_next_commit_for_testing(Status::io_error("injected"));
    CHECK(store->put_catalog(std::vector<std::pair<std::string, std::string>>{{"i3", "three"}}).code() ==
          Status::Code::kIOError);
    CHECK(catalog_rows(*store).empty());
  }
  CHECK(store->find_user("u1") == 0);
  CHECK(store->find_user("u2") == 0);
  CHECK(store->find_item("i1") == 0);
  CHECK(store->find_item("i3") == 0);
  CHECK(all_events(*store).empty());
  CHECK(store->stats().users == 0);
  CHECK(store->stats().events == 0);

  // The next write gets the first ids: nothing was reserved by the failure,
  // and the idempotency key k1 was never admitted.
  auto r = write(*store, {ev("u3", "i4", 5), ev("u1", "i1", 6, "k1")});
  CHECK(r.written == 2);
  CHECK(store->find_user("u3") == 1);
  CHECK(store->find_user("u1") == 2);
  CHECK(store->find_item("i4") == 1);
  CHECK(store->find_item("i1") == 2);
  store.reset();
  auto reopened = open_store(o);
  CHECK(reopened->stats().users == 2);
  CHECK(reopened->stats().events == 2);
  CHECK(all_events(*reopened).size() == 2);
}

TEST_CASE("erase_user leaves nothing of the user in any column family", "[storage][rocks][erase]") {
  TempDir dir;
  const Options o = options_for(dir.sub("db"));
  {
    auto store = open_store(o);
    write(*store, {ev("gone", "i1", 1, "g1"), ev("keep", "i1", 2, "k1"), ev("gone", "i2", 3, "g2"), ev("gone", "i3", 4)});
    REQUIRE(store->erase_user("gone", nullptr).is_ok());
    // A second incarnation, erased too.
    write(*store, {ev("gone", "i1", 1, "g1"), ev("gone", "i2", 3, "g2"), ev("keep", "i9", 9, "k1")});
    REQUIRE(store->erase_user("gone", nullptr).is_ok());
  }

  rocksdb::DBOptions dbo;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(dbo, o.path, &names).ok());
  for (const auto& n : names) {
    rocksdb::ColumnFamilyOptions cfo;
    if (n == "history") cfo.merge_operator = make_history_merge_operator(o.history_cap);
    cfs.emplace_back(n, cfo);
  }
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::OpenForReadOnly(dbo, o.path, cfs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::map<std::string, size_t> counts;
  for (size_t i = 0; i < handles.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++counts[names[i]];
      CHECK(it->key().ToString().find("gone") == std::string::npos);
      CHECK(it->value().ToString() != "gone");
    }
    CHECK(it->status().ok());
  }
  CHECK(counts["users"] == 1);
  CHECK(counts["user_ids"] == 1);
  CHECK(counts["log"] == 1);
  CHECK(counts["history"] == 1);
  CHECK(counts["dedup"] == 1);  // k1 only
  for (auto* h2 : handles) db->DestroyColumnFamilyHandle(h2);
  db.reset();
}

TEST_CASE("open refuses RocksDB databases that are not stores of this schema", "[storage][rocks][schema]") {
  TempDir dir;

  SECTION("a newer schema version") {
    const std::string path = dir.sub("db");
    { open_store(options_for(path)); }
    {
      rocksdb::DBOptions dbo;
      std::vector<std::string> names;
      REQUIRE(rocksdb::DB::ListColumnFamilies(dbo, path, &names).ok());
      std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
      for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
      rocksdb::DB* raw = nullptr;
      std::vector<rocksdb::ColumnFamilyHandle*> handles;
      REQUIRE(rocksdb::DB::Open(dbo, path, cfs, &handles, &raw).ok());
      std::string v;
      keys::put_u32(&v, kSchemaVersion + 1);
      const size_t meta = std::find(names.begin(), names.end(), "meta") - names.begin();
      REQUIRE(raw->Put(rocksdb::WriteOptions(), handles[meta], "schema_version", v).ok());
      for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
      delete raw;
    }
    std::unique_ptr<Store> store;
    Status s = Store::open(options_for(path), &store);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("schema version " + std::to_string(kSchemaVersion + 1)) &&
                               Catch::Contains("(" + std::to_string(kSchemaVersion) + ")"));
    CHECK(store == nullptr);
  }
  SECTION("a RocksDB database that is not ours") {
    const std::string path = dir.sub("other");
    {
      rocksdb::Options ro;
      ro.create_if_missing = true;
      rocksdb::DB* raw = nullptr;
      REQUIRE(rocksdb::DB::Open(ro, path, &raw).ok());
      REQUIRE(raw->Put(rocksdb::WriteOptions(), "k", "v").ok());
      delete raw;
    }
    std::unique_ptr<Store> store;
    Status s = Store::open(options_for(path), &store);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("not an attnrec store"));
  }
}

namespace {

// Rewrites a schema-2 store as schema 1 wrote it: events keyed user | ts |
// seq in "events", no "log", schema_version 1. With `leftover_log`, a "log"
// CF with one bogus record stays, as a migration cut short leaves it.
void downgrade_to_v1(const std::string& path, bool leftover_log) {
  rocksdb::DBOptions dbo;
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(dbo, path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) {
    rocksdb::ColumnFamilyOptions cfo;
    if (n == "history") cfo.merge_operator = make_history_merge_operator(512);
    cfs.emplace_back(n, cfo);
  }
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::Open(dbo, path, cfs, &handles, &raw).ok());
  auto at = [&](std::string_view name) { return handles[std::find(names.begin(), names.end(), name) - names.begin()]; };
  rocksdb::ColumnFamilyHandle* events = nullptr;
  REQUIRE(raw->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "events", &events).ok());
  std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), at("log")));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    keys::EventKey k;
    REQUIRE(keys::parse_log_key(it->key().ToString(), &k));
    REQUIRE(raw->Put(rocksdb::WriteOptions(), events, keys::event_key(k.user, k.ts_ms, k.seq), it->value()).ok());
  }
  it.reset();
  if (leftover_log) {
    REQUIRE(raw->Put(rocksdb::WriteOptions(), at("log"), keys::log_key(999, 1, 0), "bogus").ok());
  } else {
    REQUIRE(raw->DropColumnFamily(at("log")).ok());
  }
  std::string v;
  keys::put_u32(&v, 1);
  REQUIRE(raw->Put(rocksdb::WriteOptions(), at("meta"), "schema_version", v).ok());
  raw->DestroyColumnFamilyHandle(events);
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
}

}  // namespace

TEST_CASE("a schema-1 store is migrated on open, also after a migration cut short", "[storage][rocks][schema]") {
  const bool leftover_log = GENERATE(false, true);
  TempDir dir;
  const Options o = options_for(dir.sub("db"));
  std::vector<EventRow> before;
  {
    auto store = open_store(o);
    write(*store, {ev("a", "i1", 30, "k1"), ev("b", "i2", 10), ev("a", "i3", 20, "k3", "purchase"), ev("b", "i1", 40)});
    before = all_events(*store);
  }
  downgrade_to_v1(o.path, leftover_log);

  auto store = open_store(o);
  CHECK(all_events(*store) == before);  // the same events, in arrival order
  CHECK(store->stats().events == 4);
  CHECK(history_items(*store, "a") == std::vector<std::string>{"i3", "i1"});
  auto snap = store->snapshot();
  uint32_t user = 0;
  std::vector<uint32_t> items;
  std::vector<int64_t> ts;
  std::vector<std::string_view> types;
  REQUIRE(snap->next(&user, &items, &ts, &types));
  CHECK(store->user_name(user) == "a");
  CHECK(ts == std::vector<int64_t>{20, 30});
  CHECK(types == std::vector<std::string_view>{"purchase", "view"});
  snap.reset();
  // Idempotency keys still hold, and erase finds the migrated events.
  WriteResult r = write(*store, {ev("a", "i9", 50, "k1")});
  CHECK(r.duplicates == 1);
  std::vector<ErasedEvent> erased;
  REQUIRE(store->erase_user("a", &erased).is_ok());
  CHECK(erased.size() == 2);
  CHECK(all_events(*store).size() == 2);
  store.reset();

  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), o.path, &names).ok());
  CHECK(std::find(names.begin(), names.end(), "events") == names.end());
  CHECK(std::find(names.begin(), names.end(), "log") != names.end());
  auto reopened = open_store(o);
  CHECK(all_events(*reopened).size() == 2);
}

TEST_CASE("history not yet merged when the process dies is read back from the log", "[storage][rocks][history]") {
  TempDir dir;
  const Options o = options_for(dir.sub("db"), /*history_cap=*/3, /*history_buffer=*/5);
  {
    std::unique_ptr<RocksStore> store;
    REQUIRE(RocksStore::open(o, &store).is_ok());
    write(*store, {ev("u", "a", 10), ev("v", "x", 1)});
    write(*store, {ev("u", "b", 20), ev("u", "c", 30), ev("w", "y", 2)});  // 5 records: merged
    write(*store, {ev("u", "d", 5), ev("u", "e", 40), ev("v", "z", 3)});   // buffered
    write(*store, {ev("w", "q", 4)});
    REQUIRE(store->erase_user("w", nullptr).is_ok());  // buffered and merged records both go
    CHECK(history_items(*store, "u") == std::vector<std::string>{"b", "c", "e"});
    store->drop_pending_history_for_testing();  // as a crash: nothing more reaches the CF
    CHECK(history_items(*store, "u") == std::vector<std::string>{"a", "b", "c"});
  }
  std::unique_ptr<RocksStore> store;
  REQUIRE(RocksStore::open(o, &store).is_ok());
  CHECK(history_items(*store, "u") == std::vector<std::string>{"b", "c", "e"});
  CHECK(history_items(*store, "v") == std::vector<std::string>{"x", "z"});
  CHECK(store->find_user("w") == 0);
  CHECK(all_events(*store).size() == 7);
}

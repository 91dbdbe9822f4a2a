#include "storage/rocks/sorted_batch.h"

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include "../store_fixture.h"

using namespace attnrec::storage;
using namespace attnrec::storage::testing;

namespace {

std::string get(const Database& db, Cf cf, const std::string& key) {
  std::string value;
  rocksdb::Status s = db.db()->Get(rocksdb::ReadOptions(), db.cf(cf), key, &value);
  return s.ok() ? value : "<" + s.ToString() + ">";
}

}  // namespace

TEST_CASE("a sorted batch means what its operations meant in arrival order", "[storage][rocks][batch]") {
  TempDir dir;
  Database db;
  REQUIRE(db.open(options_for(dir.sub("db"))).is_ok());

  SortedBatch ops;
  ops.put(kMetaCf, "ext/b", "b1");
  ops.put(kMetaCf, "ext/a", "a1");
  ops.put(kMetaCf, "ext/a", "a2");  // same key: the later put wins
  ops.put(kMetaCf, "ext/c", "c1");
  ops.erase(kMetaCf, "ext/c");
  ops.put(kLogCf, "e1", "x");
  ops.put(kLogCf, "e3", "x");
  ops.erase_range(kLogCf, "e0", "e4");  // deletes e1 and e3, written before it
  ops.put(kLogCf, "e2", "y");            // written after it: kept
  ops.put(kMetaCf, "ext/d", "d1");
  REQUIRE(ops.count() == 10);

  rocksdb::WriteBatch batch;
  ops.write_to(db, &batch);
  REQUIRE(batch.Count() == 10);
  REQUIRE(db.db()->Write(rocksdb::WriteOptions(), &batch).ok());

  CHECK(get(db, kMetaCf, "ext/a") == "a2");
  CHECK(get(db, kMetaCf, "ext/b") == "b1");
  CHECK(get(db, kMetaCf, "ext/c") == "<NotFound: >");
  CHECK(get(db, kMetaCf, "ext/d") == "d1");
  CHECK(get(db, kLogCf, "e1") == "<NotFound: >");
  CHECK(get(db, kLogCf, "e3") == "<NotFound: >");
  CHECK(get(db, kLogCf, "e2") == "y");
}

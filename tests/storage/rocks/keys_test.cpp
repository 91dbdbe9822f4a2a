#include "storage/rocks/keys.h"

#include <catch2/catch.hpp>

using namespace attnrec::storage;

TEST_CASE("log keys sort by arrival (seq) and carry the user and time", "[storage][keys]") {
  const std::string a = keys::log_key(1, 9, 1'700'000'000'000);
  const std::string b = keys::log_key(2, 1, -5);
  const std::string c = keys::log_key(256, 0, INT64_MIN);
  CHECK(a < b);
  CHECK(b < c);
  CHECK(keys::log_seek_key(2) <= b);
  CHECK(keys::log_seek_key(2) > a);
  CHECK(keys::log_seek_key(257) > c);

  keys::EventKey k;
  REQUIRE(keys::parse_log_key(b, &k));
  CHECK(k.seq == 2);
  CHECK(k.user == 1);
  CHECK(k.ts_ms == -5);
  REQUIRE(keys::parse_log_key(keys::log_key(UINT64_MAX, UINT32_MAX, INT64_MAX), &k));
  CHECK(k.seq == UINT64_MAX);
  CHECK(k.user == UINT32_MAX);
  CHECK(k.ts_ms == INT64_MAX);
  CHECK_FALSE(keys::parse_log_key("short", &k));
}

TEST_CASE("schema-1 event keys (read by the migration) parse back", "[storage][keys]") {
  keys::EventKey k;
  REQUIRE(keys::parse_event_key(keys::event_key(7, -5, 9), &k));
  CHECK(k.user == 7);
  CHECK(k.ts_ms == -5);
  CHECK(k.seq == 9);
  CHECK(keys::event_key(1, 0, 2) < keys::event_key(1, 1, 0));
  CHECK_FALSE(keys::parse_event_key("short", &k));
}

TEST_CASE("user meta keys cannot collide with internal meta keys", "[storage][keys]") {
  CHECK(keys::user_meta_key("schema_version") != keys::kSchemaVersion);
  CHECK(keys::user_meta_key("").rfind(keys::kUserMetaPrefix, 0) == 0);
  for (auto internal : {keys::kSchemaVersion, keys::kNextUser, keys::kNextItem, keys::kNextSeq, keys::kLiveEvents}) {
    CHECK(internal.rfind(keys::kUserMetaPrefix, 0) == std::string_view::npos);
  }
}

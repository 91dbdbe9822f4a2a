#include "storage/rocks/keys.h"

#include <catch2/catch.hpp>

using namespace attnrec::storage;

TEST_CASE("event keys sort by user, then time (negative first), then seq", "[storage][keys]") {
  const std::string a = keys::event_key(1, -5, 9);
  const std::string b = keys::event_key(1, 0, 1);
  const std::string c = keys::event_key(1, 0, 2);
  const std::string d = keys::event_key(1, 1'700'000'000'000, 0);
  const std::string e = keys::event_key(2, INT64_MIN, 0);
  CHECK(a < b);
  CHECK(b < c);
  CHECK(c < d);
  CHECK(d < e);
  CHECK(e >= keys::user_prefix_end(1));
  CHECK(d < keys::user_prefix_end(1));
  CHECK(keys::event_key(UINT32_MAX, INT64_MAX, UINT64_MAX) < keys::user_prefix_end(UINT32_MAX));

  keys::EventKey k;
  REQUIRE(keys::parse_event_key(a, &k));
  CHECK(k.user == 1);
  CHECK(k.ts_ms == -5);
  CHECK(k.seq == 9);
  CHECK_FALSE(keys::parse_event_key("short", &k));
}

TEST_CASE("user meta keys cannot collide with internal meta keys", "[storage][keys]") {
  CHECK(keys::user_meta_key("schema_version") != keys::kSchemaVersion);
  CHECK(keys::user_meta_key("").rfind(keys::kUserMetaPrefix, 0) == 0);
  for (auto internal : {keys::kSchemaVersion, keys::kNextUser, keys::kNextItem, keys::kNextSeq, keys::kLiveEvents}) {
    CHECK(internal.rfind(keys::kUserMetaPrefix, 0) == std::string_view::npos);
  }
}

#include "storage/rocks/event_codec.h"

#include <catch2/catch.hpp>

using namespace attnrec::storage;

TEST_CASE("event values and history records round-trip", "[storage][codec]") {
  std::string bytes;
  encode_event_value({42, 0.5f, "purchase", "req-7"}, &bytes);
  EventValue v;
  REQUIRE(decode_event_value(bytes, &v));
  CHECK(v.item == 42);
  CHECK(v.weight == 0.5f);
  CHECK(v.type == "purchase");
  CHECK(v.key == "req-7");
  CHECK_FALSE(decode_event_value(bytes.substr(0, 5), &v));

  std::string hist;
  append_history_record({-3, 1, 7, 1.0f, "view"}, &hist);
  append_history_record({10, 2, 8, 2.0f, "click"}, &hist);
  std::vector<HistoryRecord> out;
  REQUIRE(decode_history(hist, &out));
  REQUIRE(out.size() == 2);
  CHECK(out[0].ts_ms == -3);
  CHECK(out[1].item == 8);
  CHECK(out[1].type == "click");
  out.clear();
  CHECK_FALSE(decode_history(hist.substr(0, hist.size() - 1), &out));
}

#include "service/json_codec.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace attnrec::service;
using attnrec::Status;
namespace json = boost::json;

TEST_CASE("RFC 3339 times parse to unix milliseconds", "[codec]") {
  int64_t ms = 0;
  REQUIRE(parse_rfc3339("1970-01-01T00:00:00Z", &ms));
  CHECK(ms == 0);
  REQUIRE(parse_rfc3339("2024-05-01T12:00:00Z", &ms));
  CHECK(ms == 1714564800000);
  REQUIRE(parse_rfc3339("2024-05-01T14:00:00.250+02:00", &ms));
  CHECK(ms == 1714564800250);
  REQUIRE(parse_rfc3339("2024-02-29t00:00:00-00:30", &ms));
  CHECK(ms == 1709166600000);
  CHECK_FALSE(parse_rfc3339("2023-02-29T00:00:00Z", &ms));  // not a leap year
  CHECK_FALSE(parse_rfc3339("2024-05-01 12:00", &ms));
  CHECK_FALSE(parse_rfc3339("2024-05-01T12:00:00", &ms));   // zone is required
  CHECK_FALSE(parse_rfc3339("2024-13-01T00:00:00Z", &ms));
  CHECK_FALSE(parse_rfc3339("2024-05-01T12:00:00Zjunk", &ms));
  CHECK_FALSE(parse_rfc3339("", &ms));
}

TEST_CASE("format_rfc3339 is the inverse of parse_rfc3339", "[codec]") {
  for (int64_t ms : {int64_t{0}, int64_t{1714564800250}, int64_t{951782400000}, int64_t{253402300799999}}) {
    int64_t back = -1;
    REQUIRE(parse_rfc3339(format_rfc3339(ms), &back));
    CHECK(back == ms);
  }
  CHECK(format_rfc3339(1714564800250) == "2024-05-01T12:00:00.250Z");
}

TEST_CASE("decode_event reads every field and rejects wrong ones", "[codec]") {
  EventInput e;
  REQUIRE(decode_event(json::parse(R"({"user":"u","item":"i","type":"click","ts":1714564800.5,"weight":2,"id":"k"})"), &e).is_ok());
  CHECK(e.user == "u");
  CHECK(e.item == "i");
  CHECK(e.type == "click");
  CHECK(*e.ts_ms == 1714564800500);
  CHECK(e.weight == 2.0f);
  CHECK(e.id == "k");

  EventInput d;
  REQUIRE(decode_event(json::parse(R"({"user":"u","item":"i"})"), &d).is_ok());
  CHECK(d.type == "view");
  CHECK_FALSE(d.ts_ms.has_value());

  auto error = [](const char* text) {
    EventInput x;
    Status s = decode_event(json::parse(text), &x);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    return s.message();
  };
  CHECK(error(R"({"item":"i"})").find("`user` is required") != std::string::npos);
  CHECK(error(R"({"user":"u"})").find("`item` is required") != std::string::npos);
  CHECK(error(R"({"user":1,"item":"i"})").find("`user` must be a string") != std::string::npos);
  CHECK(error(R"({"user":"u","item":"i","ts":"yesterday"})").find("`ts`") != std::string::npos);
  CHECK(error(R"({"user":"u","item":"i","ts":-5})").find("`ts`") != std::string::npos);
  CHECK(error(R"({"user":"u","item":"i","id":""})").find("`id`") != std::string::npos);
  CHECK(error(R"({"user":"u","item":"i","colour":"red"})").find("unknown field `colour`") != std::string::npos);
  CHECK(error(R"([1,2])").find("object") != std::string::npos);
}

TEST_CASE("decode_item and encode_item round-trip", "[codec]") {
  Item item;
  REQUIRE(decode_item(json::parse(R"({"id":"m1","title":"T","text":"x","tags":["a","b"],"attributes":{"year":1999},"available":false})"), &item).is_ok());
  CHECK(item.id == "m1");
  CHECK(item.tags == std::vector<std::string>{"a", "b"});
  CHECK(item.attributes.at("year").as_int64() == 1999);
  CHECK_FALSE(item.available);
  Item back;
  REQUIRE(decode_item(encode_item(item), &back).is_ok());
  CHECK(back.title == "T");
  CHECK(back.tags == item.tags);

  Item url;
  url.id = "m1";
  CHECK(decode_item(json::parse(R"({"id":"m2"})"), &url).code() == Status::Code::kInvalidArgument);
  Item bad;
  CHECK(decode_item(json::parse(R"({"tags":[1]})"), &bad).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("serialize_json writes numbers people can read, and no NaN", "[codec]") {
  json::object o{{"a", 0.25}, {"b", 1e-7}, {"c", 3}, {"d", "x\"y"}, {"e", std::nan("")}, {"f", json::array{1.5, true}}};
  CHECK(serialize_json(o) == R"({"a":0.25,"b":1e-07,"c":3,"d":"x\"y","e":null,"f":[1.5,true]})");
  CHECK(json::parse(serialize_json(o)).at("a").as_double() == 0.25);
}

#include "service/validate.h"

#include <catch2/catch.hpp>

using namespace attnrec::service;

TEST_CASE("text fields must be well-formed UTF-8", "[validate]") {
  CHECK(check_id("item", "caf\xC3\xA9").is_ok());
  CHECK(check_id("item", "\xF0\x9F\x8E\xAC").is_ok());  // U+1F3AC
  for (const char* bad : {"Mis\xE9rables",         // latin-1
                          "a\xC0\xAF",             // overlong '/'
                          "a\xE0\x80\xAF",         // overlong, 3 bytes
                          "a\xED\xA0\x80",         // surrogate U+D800
                          "a\xF4\x90\x80\x80",     // > U+10FFFF
                          "a\xE2\x82",             // truncated
                          "a\x80"}) {              // stray continuation byte
    CAPTURE(bad);
    CHECK(check_id("item", bad).message() == "`item` is not valid UTF-8");
    Item item;
    item.id = "m1";
    item.title = bad;
    CHECK(check_item(item).message() == "`title` is not valid UTF-8");
    item.title.clear();
    item.tags = {"ok", bad};
    CHECK(check_item(item).message() == "`tags` is not valid UTF-8");
  }
}

TEST_CASE("ids are 1-256 bytes of UTF-8 without control characters", "[validate]") {
  CHECK(check_id("user", "u1").is_ok());
  CHECK(check_id("user", std::string(256, 'x')).is_ok());
  CHECK_FALSE(check_id("user", std::string(257, 'x')).is_ok());
  CHECK_FALSE(check_id("user", "").is_ok());
  CHECK_FALSE(check_id("user", "a\nb").is_ok());
  CHECK(check_id("user", "").message().find("`user`") != std::string::npos);
}

TEST_CASE("event types are short lowercase words", "[validate]") {
  CHECK(check_type("add_to-cart2").is_ok());
  CHECK_FALSE(check_type("View").is_ok());
  CHECK_FALSE(check_type("").is_ok());
  CHECK_FALSE(check_type(std::string(33, 'a')).is_ok());
}

TEST_CASE("items are checked field by field", "[validate]") {
  Item item;
  item.id = "m1";
  CHECK(check_item(item).is_ok());
  item.tags.push_back("");
  CHECK_FALSE(check_item(item).is_ok());
  item.tags.clear();
  item.title = std::string(2000, 't');
  CHECK(check_item(item).message().find("`title`") != std::string::npos);
}

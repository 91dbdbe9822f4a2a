#include "service/validate.h"

#include <catch2/catch.hpp>

using namespace attnrec::service;

TEST_CASE("is_utf8 accepts well-formed text and rejects the rest", "[validate]") {
  CHECK(is_utf8("plain"));
  CHECK(is_utf8("caf\xC3\xA9"));
  CHECK(is_utf8("\xF0\x9F\x8E\xAC"));           // U+1F3AC
  CHECK_FALSE(is_utf8("Mis\xE9rables"));         // latin-1
  CHECK_FALSE(is_utf8("\xC0\xAF"));              // overlong
  CHECK_FALSE(is_utf8("\xED\xA0\x80"));          // surrogate
  CHECK_FALSE(is_utf8("\xF4\x90\x80\x80"));      // > U+10FFFF
  CHECK_FALSE(is_utf8("\xE2\x82"));              // truncated
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

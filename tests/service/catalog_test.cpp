// Tests of service/catalog.* through the Service.
#include <catch2/catch.hpp>

#include "service/service.h"
#include "service/service_fixture.h"
#include "temp_dir.h"

using namespace attnrec::service;
using namespace attnrec::testing;
using attnrec::Status;

TEST_CASE("catalog upsert, get, delete and persistence", "[catalog]") {
  TempDir dir;
  {
    auto rec = open_at(dir.path());
    Item item;
    item.id = "m1";
    item.title = "Star Voyage";
    item.tags = {"sci-fi"};
    REQUIRE(rec->catalog().put(item).is_ok());
    Item got;
    REQUIRE(rec->catalog().get("m1", &got).is_ok());
    CHECK(got.title == "Star Voyage");
    CHECK(got.updated_ms > 0);
    Item bad;
    bad.id = "";
    std::vector<Item> items = {item, bad};
    Status s = rec->catalog().put(items);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find("items[1]") != std::string::npos);
    CHECK(rec->catalog().get("nope", &got).code() == Status::Code::kNotFound);
  }
  auto rec = open_at(dir.path());
  Item got;
  REQUIRE(rec->catalog().get("m1", &got).is_ok());
  CHECK(got.tags == std::vector<std::string>{"sci-fi"});
  REQUIRE(rec->catalog().erase("m1").is_ok());
  CHECK(rec->catalog().get("m1", &got).code() == Status::Code::kNotFound);
  CHECK(rec->catalog().erase("m1").code() == Status::Code::kNotFound);
}

#include "model/config.h"

#include <catch2/catch.hpp>

using namespace attnrec::model;

TEST_CASE("Config::validate accepts the defaults and names what is wrong", "[config]") {
  Config c;
  c.num_items = 5;
  CHECK(c.validate().is_ok());
  c.heads = 3;  // does not divide d = 64
  const attnrec::Status s = c.validate();
  CHECK(s.code() == attnrec::Status::Code::kInvalidArgument);
  CHECK(s.message().find("heads") != std::string::npos);
  c.heads = 2;
  c.num_items = 0;
  CHECK(c.validate().message().find("num_items") != std::string::npos);
}

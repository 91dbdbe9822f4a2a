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

TEST_CASE("Config::validate: local attention needs a window >= 1, full attention none",
          "[config]") {
  Config c;
  c.num_items = 5;
  CHECK(c.attention == Attention::kFull);
  CHECK(c.attention_window() == 0);
  c.attention = Attention::kLocal;
  c.window = 0;
  CHECK(c.validate().message().find("window") != std::string::npos);
  c.window = -2;
  CHECK(c.validate().message().find("window") != std::string::npos);
  c.window = 1;
  CHECK(c.validate().is_ok());
  CHECK(c.attention_window() == 1);
  c.window = 300;  // longer than maxlen: allowed, and the same as full attention
  CHECK(c.validate().is_ok());
  c.attention = Attention::kFull;
  CHECK(c.validate().message().find("window") != std::string::npos);
  c.window = 0;
  c.attention = Attention(7);
  CHECK(c.validate().message().find("attention") != std::string::npos);
  CHECK(parse_attention("local") == Attention::kLocal);
  CHECK(parse_attention("full") == Attention::kFull);
  CHECK_FALSE(parse_attention("sparse").has_value());
  CHECK(attention_name(Attention::kLocal) == "local");
}

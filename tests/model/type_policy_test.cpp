#include "model/type_policy.h"

#include <catch2/catch.hpp>

using namespace attnrec::model;
using Role = TypePolicy::Role;

TEST_CASE("type policy: the defaults keep every type but dislike and hide", "[types]") {
  const TypePolicy p;
  CHECK(p.classify("view").role == Role::kPositive);
  CHECK(p.classify("purchase").weight == 1.0f);
  CHECK(p.classify("dislike").role == Role::kNegative);
  CHECK(p.classify("hide").role == Role::kNegative);
  CHECK(p.classify("").role == Role::kPositive);  // an untyped interaction
  CHECK_FALSE(p.trivial());
  CHECK(p.positive_spec() == kDefaultPositiveTypes);
  CHECK(p.negative_spec() == kDefaultNegativeTypes);
  auto parsed = TypePolicy::parse(kDefaultPositiveTypes, kDefaultNegativeTypes);
  REQUIRE(parsed.ok());
  CHECK(parsed.value().positive_spec() == "*");
  CHECK(parsed.value().negative_spec() == "dislike,hide");
}

TEST_CASE("type policy: listed positives with weights, the rest ignored", "[types]") {
  auto r = TypePolicy::parse("view, cart:1.5,purchase:2", "dislike");
  REQUIRE(r.ok());
  const TypePolicy& p = r.value();
  CHECK(p.classify("view").role == Role::kPositive);
  CHECK(p.classify("view").weight == 1.0f);
  CHECK(p.classify("cart").weight == 1.5f);
  CHECK(p.classify("purchase").weight == 2.0f);
  CHECK(p.classify("dislike").role == Role::kNegative);
  CHECK(p.classify("hide").role == Role::kIgnored);  // not negative here: unlisted
  CHECK(p.classify("rating").role == Role::kIgnored);
  CHECK(p.positive_spec() == "view,cart:1.5,purchase:2");
  auto star = TypePolicy::parse("purchase:3,*:0.5", "");
  REQUIRE(star.ok());
  CHECK(star.value().classify("purchase").weight == 3.0f);
  CHECK(star.value().classify("view").weight == 0.5f);
  CHECK(star.value().classify("dislike").role == Role::kPositive);  // no negatives configured
  auto all = TypePolicy::parse("*", "");
  REQUIRE(all.ok());
  CHECK(all.value().trivial());
}

TEST_CASE("type policy: bad lists are refused with the entry named", "[types]") {
  struct Bad {
    const char* positive;
    const char* negative;
    const char* says;
  };
  for (const Bad& b : {Bad{"view:0", "", "view:0"}, Bad{"view:x", "", "number > 0"},
                       Bad{"view:inf", "", "number > 0"}, Bad{"View", "", "'View'"},
                       Bad{"view,view", "", "listed twice"}, Bad{"*,*", "", "twice"},
                       Bad{"like", "like", "also a positive"}, Bad{"*", "dis like", "'dis like'"},
                       Bad{"*", "hide,hide", "listed twice"}}) {
    auto r = TypePolicy::parse(b.positive, b.negative);
    INFO(b.positive << " / " << b.negative);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == attnrec::Status::Code::kInvalidArgument);
    CHECK(r.error().find(b.says) != std::string::npos);
  }
}

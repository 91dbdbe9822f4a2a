#include "model/dataset.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

using namespace attnrec::model;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/attnrec_dataset_test_" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("read_pairs groups lines by user in order and keeps numeric item ids", "[dataset]") {
  const auto path = write_temp("ok.txt", "1 10\n2 30\n1 20\n\n# comment\n1 30\n2 10\r\n");
  auto r = read_pairs(path);
  REQUIRE(r.ok());
  const Dataset& d = r.value();
  CHECK(d.user_ids == std::vector<std::string>{"1", "2"});
  CHECK(d.item_ids == std::vector<std::string>{"10", "20", "30"});
  CHECK(d.seqs[0] == std::vector<int32_t>{1, 2, 3});
  CHECK(d.seqs[1] == std::vector<int32_t>{3, 1});
  CHECK(d.num_interactions() == 5);
  std::remove(path.c_str());
}

TEST_CASE("read_pairs reports file and line of a bad line", "[dataset]") {
  const auto path = write_temp("bad.txt", "1 10\n1 20 view 5\n");
  auto r = read_pairs(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find(path + ":2:") != std::string::npos);
  CHECK(r.error().find("expected 2 or 3 fields") != std::string::npos);
  CHECK(r.status().code() == attnrec::Status::Code::kInvalidArgument);
  std::remove(path.c_str());
  auto missing = read_pairs("/nonexistent/file.txt");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().find("cannot open") != std::string::npos);
  CHECK(missing.status().is_not_found());
}

TEST_CASE("read_pairs with a fixed dictionary drops unknown items", "[dataset]") {
  const auto path = write_temp("fixed.txt", "u a\nu x\nu b\n");
  auto r = read_pairs(path, {"a", "b"});
  REQUIRE(r.ok());
  CHECK(r.value().seqs[0] == std::vector<int32_t>{1, 2});
  CHECK(r.value().dropped == 1);
  std::remove(path.c_str());
}

TEST_CASE("leave-one-out split: last = test, second last = validation", "[dataset]") {
  Dataset d;
  d.user_ids = {"a", "b"};
  d.item_ids = {"1", "2", "3", "4", "5"};
  d.seqs = {{1, 2, 3, 4, 5}, {1, 2}};
  CHECK(train_part(d.seqs[0]).size() == 3);
  CHECK(train_part(d.seqs[1]).size() == 2);  // too short to evaluate: all training
  const auto valid = eval_cases(d, Split::kValid);
  const auto test = eval_cases(d, Split::kTest);
  REQUIRE(valid.size() == 1);
  REQUIRE(test.size() == 1);
  CHECK(valid[0].target == 4);
  CHECK(valid[0].history.size() == 3);
  CHECK(test[0].target == 5);
  CHECK(test[0].history.size() == 4);
}

TEST_CASE("read_pairs with types: positives with their weights, negatives apart, others ignored", "[dataset][types]") {
  // User a: liked 10, purchased 20, disliked 30, a neutral 40, then an
  // untyped 50 (a positive of weight 1); user b only disliked.
  const auto path = write_temp("typed.txt",
                               "a 10 like\na 20 purchase\na 30 dislike\na 40 neutral\na 50\n"
                               "b 10 dislike\nb 30 hide\n");
  auto types = TypePolicy::parse("like,purchase:2", "dislike,hide");
  REQUIRE(types.ok());
  auto r = read_pairs(path, types.value());
  REQUIRE(r.ok());
  const Dataset& d = r.value();
  CHECK(d.item_ids == std::vector<std::string>{"10", "20", "30", "40", "50"});
  REQUIRE(d.seqs.size() == 2);
  CHECK(d.seqs[0] == std::vector<int32_t>{1, 2, 5});  // 30 (negative) and 40 (ignored) never enter
  CHECK(d.seqs[1].empty());
  REQUIRE(d.weights.size() == 2);
  CHECK(d.weights[0] == std::vector<float>{1.0f, 2.0f, 1.0f});  // the purchase counts twice
  CHECK(d.weights[1].empty());
  CHECK(d.negatives_of(0).size() == 1);
  CHECK(d.negatives_of(0)[0] == 3);
  CHECK(std::vector<int32_t>(d.negatives_of(1).begin(), d.negatives_of(1).end()) == std::vector<int32_t>{1, 3});
  CHECK(d.ignored == 1);
  CHECK(d.num_interactions() == 3);

  // The default policy: every type but dislike and hide is a positive of
  // weight 1, so no weights are kept.
  auto plain = read_pairs(path);
  REQUIRE(plain.ok());
  CHECK(plain.value().seqs[0] == std::vector<int32_t>{1, 2, 4, 5});
  CHECK(plain.value().weights.empty());
  CHECK(plain.value().ignored == 0);
  std::remove(path.c_str());
}

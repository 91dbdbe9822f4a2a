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
  const auto path = write_temp("bad.txt", "1 10\n1 20 5\n");
  auto r = read_pairs(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find(path + ":2:") != std::string::npos);
  CHECK(r.error().find("expected 2 fields") != std::string::npos);
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

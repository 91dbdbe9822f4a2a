// The training report is valid JSON whatever the numbers: a diverged loss
// (NaN, infinity) is written as null, never as `nan`.
#include <cmath>
#include <limits>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "service/training/train_report.h"

using namespace attnrec;

TEST_CASE("the training report stays valid JSON when the loss diverges", "[train_report]") {
  model::Config config;
  config.num_items = 10;
  model::TrainConfig train;
  model::TrainResult result;
  model::EpochStats e;
  e.epoch = 1;
  e.loss = std::numeric_limits<double>::quiet_NaN();
  e.train_seconds = 0.5;
  e.seqs_per_sec = std::numeric_limits<double>::infinity();
  e.evaluated = true;
  e.valid.add_rank(0);
  result.epochs.push_back(e);
  result.best_epoch = 1;
  result.stop_reason = "diverged";
  result.best_valid = e.valid;
  result.popularity_valid.add_rank(20);
  model::TestReport test;
  test.full.add_rank(3);
  model::RankMetrics popularity_test;
  popularity_test.add_rank(1);

  const std::string text = service::train_report_json(config, train, "file.txt", result, test, popularity_test);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  REQUIRE_FALSE(ec);
  const auto& epoch = v.at("epochs").at(0);
  CHECK(epoch.at("loss").is_null());
  CHECK(epoch.at("seqs_per_sec").is_null());
  CHECK(epoch.at("train_seconds").as_double() == 0.5);
  CHECK(epoch.at("valid").at("ndcg@10").to_number<double>() == 1.0);
  CHECK(v.at("config").at("num_items") == 10);
  CHECK(v.at("test").at("full").at("hr@10").to_number<double>() == 1.0);
  CHECK(v.at("input") == "file.txt");
  CHECK(v.at("popularity").at("valid").at("ndcg@10").to_number<double>() == 0.0);
  CHECK(v.at("popularity").at("test").at("hr@10").to_number<double>() == 1.0);
  // One user, one hit against none: better, within the noise of 1.
  CHECK(v.at("popularity").at("margin").to_number<double>() == 1.0);
  CHECK(v.at("beats_popularity") == true);
}

TEST_CASE("metrics JSON keeps six significant digits", "[train_report]") {
  model::RankMetrics m;
  m.add_rank(0);
  m.add_rank(1);
  m.add_rank(20);
  const auto j = service::metrics_json(m, "full");
  CHECK(j.at("protocol") == "full");
  CHECK(j.at("users") == 3);
  CHECK(j.at("hr@10").to_number<double>() == Approx(2.0 / 3).epsilon(1e-6));
  CHECK(j.at("mrr").to_number<double>() == Approx((1 + 0.5 + 1.0 / 21) / 3).epsilon(1e-6));
}

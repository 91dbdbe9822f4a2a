#include "model/popularity_baseline.h"

#include <catch2/catch.hpp>

#include "base/random.h"
#include "model/evaluator.h"

using namespace attnrec::model;
using attnrec::Rng;

namespace {

// A model that scores item i as i (a fixed ranking, no ties): d = 2, one
// block whose output is the final LayerNorm's bias.
std::shared_ptr<const Model> ranking_model(int items) {
  Config c;
  c.num_items = items;
  c.maxlen = 8;
  c.d = 2;
  c.blocks = 1;
  c.heads = 1;
  Params<float> p(std::make_shared<Layout>(c));
  p.init(1);
  p.mut().lnf_g.setZero();
  p.mut().lnf_b << 1.0f, 0.0f;
  for (int i = 1; i <= items; ++i) p.mut().item_emb.row(i) << float(i), 0.0f;
  std::vector<std::string> ids;
  for (int i = 1; i <= items; ++i) ids.push_back(std::to_string(i));
  return std::make_shared<const Model>(std::move(p), std::move(ids));
}

}  // namespace

TEST_CASE("popularity ranks by count with ties against the target, by hand", "[popularity]") {
  Dataset d;
  for (int i = 1; i <= 6; ++i) d.item_ids.push_back(std::to_string(i));
  d.user_ids = {"a", "b", "c"};
  d.seqs = {{1, 2, 3}, {4, 1, 5}, {2, 6, 1, 4}};
  PopularityBaseline pop(6);
  pop.add(std::vector<int32_t>{1, 1, 1, 2, 2, 3, 4});  // counts 3 2 1 1 0 0
  // Validation: a -> 2 (history 1): item 1 left out, rank 0.
  //             b -> 1 (history 4): rank 0.
  //             c -> 1 (history 2 6): rank 0.
  // Test:       a -> 3 (history 1 2): 4 ties with it -> rank 1.
  //             b -> 5 (history 4 1): 2 and 3 above, 6 ties -> rank 3.
  //             c -> 4 (history 2 6 1): 3 ties with it -> rank 1.
  const RankMetrics valid = pop.evaluate(d, Split::kValid, 0);
  CHECK(valid.users == 3);
  CHECK(valid.ndcg10() == Approx(1.0));
  const RankMetrics test = pop.evaluate(d, Split::kTest, 0);
  CHECK(test.users == 3);
  CHECK(test.mrr() == Approx((0.5 + 0.25 + 0.5) / 3));
  CHECK(pop.evaluate(d, Split::kTest, 2).users == 2);
  CHECK(pop.evaluate(d, Split::kTest, 2).mrr() == Approx((0.5 + 0.25) / 2));
  // An item the user marked negative is no candidate either: b's 2 goes.
  d.negatives = {{}, {2}, {}};
  CHECK(pop.evaluate(d, Split::kTest, 0).mrr() == Approx((0.5 + 1.0 / 3 + 0.5) / 3));
}

TEST_CASE("popularity without ties ranks exactly as the evaluator ranks the same scores", "[popularity]") {
  constexpr int kItems = 50;
  const auto model = ranking_model(kItems);
  Dataset d;
  d.item_ids = model->item_ids();
  Rng rng(3);
  for (int u = 0; u < 200; ++u) {
    d.user_ids.push_back("u" + std::to_string(u));
    std::vector<int32_t> s;
    for (int t = 0, n = 3 + int(rng.below(6)); t < n; ++t) s.push_back(int32_t(rng.below(kItems)) + 1);
    d.seqs.push_back(std::move(s));
    d.negatives.push_back(u % 3 ? std::vector<int32_t>{} : std::vector<int32_t>{int32_t(rng.below(kItems)) + 1});
  }
  PopularityBaseline pop(kItems);
  for (int32_t i = 1; i <= kItems; ++i) pop.add(std::vector<int32_t>(size_t(i), i));  // count(i) = i
  EvalOptions eo;
  eo.protocol = Protocol::kFull;
  for (Split split : {Split::kValid, Split::kTest}) {
    for (int max_users : {0, 37}) {
      eo.max_users = max_users;
      const RankMetrics want = evaluate(*model, d, split, eo);
      const RankMetrics got = pop.evaluate(d, split, max_users);
      CHECK(got.users == want.users);
      CHECK(got.mrr() == Approx(want.mrr()));
      CHECK(got.ndcg10() == Approx(want.ndcg10()));
    }
  }
}

#include "model/evaluator.h"

#include <catch2/catch.hpp>

using namespace attnrec::model;

namespace {

// A model whose user vector always points at item `best`: d = 2, a single
// block whose output is dominated by the final LayerNorm bias.
std::shared_ptr<const Model> biased_model(int items) {
  Config c;
  c.num_items = items;
  c.maxlen = 5;
  c.d = 2;
  c.blocks = 1;
  c.heads = 1;
  Params<float> p(std::make_shared<Layout>(c));
  p.init(1);
  p.mut().lnf_g.setZero();  // output = bias only
  p.mut().lnf_b << 1.0f, 0.0f;
  auto& E = p.mut().item_emb;
  for (int i = 1; i <= items; ++i) E.row(i) << float(i), 0.0f;  // score(i) = i
  std::vector<std::string> ids;
  for (int i = 1; i <= items; ++i) ids.push_back(std::to_string(i));
  return std::make_shared<const Model>(std::move(p), std::move(ids));
}

}  // namespace

TEST_CASE("full-ranking evaluation of a known scorer, by hand", "[evaluator]") {
  const auto m = biased_model(10);
  Dataset d;
  d.item_ids = m->item_ids();
  d.user_ids = {"a", "b"};
  // a: target 10 -> rank 0. b: history {9, 1, 2}, target 7 -> items scoring
  // higher and not in history: 8, 10 -> rank 2.
  d.seqs = {{1, 2, 10}, {9, 1, 2, 7}};
  EvalOptions eo;
  eo.protocol = Protocol::kFull;
  const RankMetrics r = evaluate(*m, d, Split::kTest, eo);
  CHECK(r.users == 2);
  CHECK(r.hr10() == Approx(1.0));
  CHECK(r.ndcg10() == Approx((1.0 + 0.5) / 2));
  CHECK(r.mrr() == Approx((1.0 + 1.0 / 3) / 2));
}

TEST_CASE("sampled evaluation ranks against unseen items only", "[evaluator]") {
  const auto m = biased_model(300);
  Dataset d;
  d.item_ids = m->item_ids();
  d.user_ids = {"a"};
  d.seqs = {{1, 2, 300}};  // target has the top score: rank 0 whatever is sampled
  EvalOptions eo;
  eo.protocol = Protocol::kSampled;
  CHECK(evaluate(*m, d, Split::kTest, eo).ndcg10() == Approx(1.0));
  d.seqs = {{299, 298, 1}};  // the worst item: every negative beats it
  const RankMetrics r = evaluate(*m, d, Split::kTest, eo);
  CHECK(r.hr10() == 0.0);
  CHECK(r.mrr() == Approx(1.0 / 101));
}

TEST_CASE("test reports rank every user up to 100,000 items and a bounded number beyond", "[evaluator]") {
  CHECK(test_user_limit(3416) == 0);
  CHECK(test_user_limit(100'000) == 0);
  CHECK(test_user_limit(1'000'000) == 5000);
  CHECK(test_user_limit(100'000'000) == 1000);
}

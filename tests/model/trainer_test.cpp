#include "model/trainer.h"

#include <catch2/catch.hpp>

#include "model/evaluator.h"
#include "model/random.h"

using namespace attnrec::model;

namespace {

// Users walk a fixed cycle of items with a user-specific stride drawn from
// {1, 2}: the next item depends on the last two items, which popularity
// cannot capture (all items are equally popular).
Dataset synthetic(int users, int items, int len, uint64_t seed) {
  Dataset d;
  for (int i = 1; i <= items; ++i) d.item_ids.push_back(std::to_string(i));
  Rng rng(seed);
  for (int u = 0; u < users; ++u) {
    d.user_ids.push_back("u" + std::to_string(u));
    const int stride = 1 + int(rng.below(2));
    int cur = int(rng.below(uint32_t(items)));
    std::vector<int32_t> s;
    for (int t = 0; t < len; ++t) {
      s.push_back(cur + 1);
      cur = (cur + stride) % items;
    }
    d.seqs.push_back(std::move(s));
  }
  return d;
}

// Popularity baseline under the same full-ranking protocol.
RankMetrics popularity(const Dataset& d) {
  std::vector<int64_t> count(size_t(d.num_items()) + 1, 0);
  for (const auto& s : d.seqs) {
    for (int32_t it : train_part(s)) ++count[size_t(it)];
  }
  RankMetrics m;
  for (const EvalCase& c : eval_cases(d, Split::kTest)) {
    std::vector<char> seen(count.size(), 0);
    for (int32_t h : c.history) seen[size_t(h)] = 1;
    int64_t rank = 0;
    for (size_t j = 1; j < count.size(); ++j) {
      rank += !seen[j] && int32_t(j) != c.target && count[j] >= count[size_t(c.target)];
    }
    m.add_rank(rank);
  }
  return m;
}

Config tiny_config() {
  Config c;
  c.maxlen = 12;
  c.d = 24;
  c.blocks = 2;
  c.heads = 2;
  c.dropout = 0.1f;
  return c;
}

}  // namespace

TEST_CASE("a short training run beats popularity by a wide margin", "[trainer]") {
  const Dataset d = synthetic(300, 40, 14, 7);
  for (Loss loss : {Loss::kCe, Loss::kSampledCe, Loss::kBce}) {
    TrainConfig t;
    t.loss = loss;
    t.epochs = loss == Loss::kBce ? 40 : 20;
    t.batch = 32;
    t.lr = 5e-3f;
    t.negatives = loss == Loss::kSampledCe ? 16 : 0;
    t.threads = 2;
    t.patience = 0;
    t.eval_every = 100;
    Trainer tr(tiny_config(), t, d);
    const TrainResult r = tr.fit();
    EvalOptions eo;
    eo.protocol = Protocol::kFull;
    const RankMetrics model = evaluate(*r.model, d, Split::kTest, eo);
    const RankMetrics pop = popularity(d);
    INFO("loss " << loss_name(loss) << ": model NDCG@10 " << model.ndcg10() << ", popularity "
                 << pop.ndcg10());
    CHECK(model.ndcg10() > 0.5);
    CHECK(model.ndcg10() > 3 * pop.ndcg10());
  }
}

TEST_CASE("training is deterministic under a seed for a given thread count", "[trainer]") {
  const Dataset d = synthetic(64, 20, 10, 3);
  TrainConfig t;
  t.epochs = 2;
  t.batch = 16;
  t.threads = 2;
  t.patience = 0;
  t.eval_every = 100;
  Trainer a(tiny_config(), t, d), b(tiny_config(), t, d);
  a.train_epoch(1);
  a.train_epoch(2);
  b.train_epoch(1);
  b.train_epoch(2);
  CHECK(a.params().flat() == b.params().flat());
  t.seed = 43;
  Trainer c(tiny_config(), t, d);
  c.train_epoch(1);
  c.train_epoch(2);
  CHECK(a.params().flat() != c.params().flat());
}

TEST_CASE("early stopping and the progress callback", "[trainer]") {
  const Dataset d = synthetic(64, 20, 10, 5);
  TrainConfig t;
  t.epochs = 50;
  t.batch = 16;
  t.lr = 0.0f;  // nothing improves after the first evaluation
  t.patience = 2;
  int calls = 0;
  Trainer tr(tiny_config(), t, d);
  const TrainResult r = tr.fit([&](const Progress& p) {
    ++calls;
    CHECK(p.batches == 4);
  });
  CHECK(r.stop_reason == "early stopping");
  CHECK(r.epochs.size() == 3);
  CHECK(r.best_epoch == 1);
  CHECK(calls == 12);
}

#include "model/trainer.h"

#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "base/random.h"
#include "model/adam.h"
#include "model/evaluator.h"

using namespace attnrec::model;
using attnrec::Rng;

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

// Popularity baseline under the same full-ranking protocol (the training
// parts counted; the first max_users cases of `split`, 0 = all), by brute
// force.
RankMetrics popularity(const Dataset& d, Split split = Split::kTest, size_t max_users = 0) {
  std::vector<int64_t> count(size_t(d.num_items()) + 1, 0);
  for (const auto& s : d.seqs) {
    for (int32_t it : train_part(s)) ++count[size_t(it)];
  }
  RankMetrics m;
  std::vector<EvalCase> cases = eval_cases(d, split);
  if (max_users > 0) cases.resize(std::min(cases.size(), max_users));
  for (const EvalCase& c : cases) {
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
  c.d_ff = 48;  // the default width (512) would dwarf a d of 24
  c.dropout = 0.1f;
  return c;
}

// A short two-thread run with a fixed number of epochs (no early stopping).
TrainConfig short_run(int epochs, int eval_every) {
  TrainConfig t;
  t.epochs = epochs;
  t.batch = 16;
  t.threads = 2;
  t.patience = 0;
  t.eval_every = eval_every;
  return t;
}

// Two trainers with the same seed end one epoch with identical weights.
bool one_epoch_is_reproducible(const Config& c, const TrainConfig& t, const Dataset& d) {
  Trainer a(c, t, d), b(c, t, d);
  a.train_epoch(1);
  b.train_epoch(1);
  return a.params().flat() == b.params().flat();
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
  TrainConfig t = short_run(2, 100);
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
    return true;
  });
  CHECK(r.stop_reason == "early stopping");
  CHECK(r.epochs.size() == 3);
  CHECK(r.best_epoch == 1);
  CHECK(calls == 12);
}

TEST_CASE("a progress callback that returns false stops training after that batch", "[trainer]") {
  const Dataset d = synthetic(64, 20, 10, 5);  // 4 batches of 16 an epoch
  TrainConfig t;
  t.epochs = 5;
  t.batch = 16;
  int calls = 0;
  Trainer tr(tiny_config(), t, d);
  const TrainResult r = tr.fit([&](const Progress& p) {
    ++calls;
    return !(p.epoch == 2 && p.batch == 2);
  });
  CHECK(r.cancelled);
  CHECK(tr.cancelled());
  CHECK(r.stop_reason == "cancelled");
  CHECK(r.epochs.size() == 1);  // the stopped epoch is not kept
  CHECK(calls == 4 + 2);        // 4 batches of epoch 1, 2 of epoch 2
  REQUIRE(r.model);
}

TEST_CASE("learning-rate warm-up and linear decay", "[trainer]") {
  TrainConfig t;
  t.lr = 1e-2f;
  CHECK(scheduled_lr(t, 1, 100) == Approx(1e-2));
  CHECK(scheduled_lr(t, 100, 100) == Approx(1e-2));
  t.warmup_steps = 10;
  CHECK(scheduled_lr(t, 1, 100) == Approx(1e-3));
  CHECK(scheduled_lr(t, 5, 100) == Approx(5e-3));
  CHECK(scheduled_lr(t, 10, 100) == Approx(1e-2));
  CHECK(scheduled_lr(t, 50, 100) == Approx(1e-2));
  t.lr_decay = true;
  CHECK(scheduled_lr(t, 5, 100) == Approx(5e-3 * 0.95));
  CHECK(scheduled_lr(t, 50, 100) == Approx(5e-3));
  CHECK(scheduled_lr(t, 100, 100) == Approx(0.0).margin(1e-12));
  CHECK(scheduled_lr(t, 150, 100) == Approx(0.0).margin(1e-12));  // never negative
  t.warmup_steps = 0;
  CHECK(scheduled_lr(t, 25, 100) == Approx(7.5e-3));
}

TEST_CASE("Adam: bias-corrected first step and decoupled weight decay", "[trainer]") {
  std::vector<float> w{1.0f, -2.0f, 0.5f};
  const std::vector<float> g{0.3f, -0.1f, 0.0f};
  Adam plain(3, 0.9f, 0.98f, 0.0f);
  plain.step(w, g, 0.01f);
  // First step: m_hat = g, v_hat = g^2, so each weight moves by lr * sign(g).
  CHECK(w[0] == Approx(1.0 - 0.01).epsilon(1e-5));
  CHECK(w[1] == Approx(-2.0 + 0.01).epsilon(1e-5));
  CHECK(w[2] == 0.5f);
  // With zero gradients only the decay acts: w -= lr * wd * w.
  std::vector<float> v{1.0f, -2.0f};
  const std::vector<float> zero{0.0f, 0.0f};
  Adam decayed(2, 0.9f, 0.98f, 0.1f);
  decayed.step(v, zero, 0.01f);
  CHECK(v[0] == Approx(1.0 * (1 - 0.001)));
  CHECK(v[1] == Approx(-2.0 * (1 - 0.001)));
  decayed.step(v, zero, 0.01f);
  CHECK(v[0] == Approx(1.0 * (1 - 0.001) * (1 - 0.001)));
  CHECK(decayed.steps() == 2);
}

TEST_CASE("weight decay shrinks the trained weights", "[trainer]") {
  const Dataset d = synthetic(64, 20, 10, 9);
  TrainConfig t;
  t.batch = 16;
  t.threads = 2;
  t.lr = 5e-3f;
  TrainConfig td = t;
  td.weight_decay = 0.5f;
  Trainer a(tiny_config(), t, d), b(tiny_config(), td, d);
  for (int e = 1; e <= 3; ++e) {
    a.train_epoch(e);
    b.train_epoch(e);
  }
  const auto& fa = a.params().flat();
  const auto& fb = b.params().flat();
  double na = 0, nb = 0;
  for (size_t i = 0; i < fa.size(); ++i) {
    na += double(fa[i]) * fa[i];
    nb += double(fb[i]) * fb[i];
  }
  CHECK(nb < 0.99 * na);
}

TEST_CASE("validation items train only for users outside the validation subset", "[trainer]") {
  Dataset d = synthetic(40, 20, 10, 11);
  d.seqs[3].resize(2);  // too short to evaluate: all of it trains, as before
  TrainConfig t;
  t.threads = 1;
  t.eval_users = 0;     // everybody is validated: no validation item trains
  const Config c = tiny_config();  // maxlen 12 >= every sequence
  const int64_t base = Trainer(c, t, d).num_positions();
  CHECK(base == 39 * (10 - 2 - 1) + (2 - 1));
  t.eval_users = 10;
  t.train_on_valid = false;
  CHECK(Trainer(c, t, d).num_positions() == base);
  t.train_on_valid = true;
  const Trainer tr(c, t, d);
  CHECK(tr.num_positions() == base + (39 - 10));
  REQUIRE(tr.valid_users().size() == 10);
  CHECK(tr.valid_users().front() == 0);
  CHECK(tr.valid_users().back() == 10);  // user 3 has no validation item
  // Still deterministic under a seed with two threads.
  t.threads = 2;
  CHECK(one_epoch_is_reproducible(c, t, d));
}

TEST_CASE("all windows: long histories train every position once per epoch", "[trainer]") {
  const Dataset d = synthetic(10, 20, 30, 13);
  TrainConfig t;
  t.threads = 1;
  t.eval_users = 0;                // train on all but the last two items: 28
  const Config c = tiny_config();  // maxlen 12
  t.all_windows = false;
  const Trainer last(c, t, d);
  CHECK(last.num_sequences() == 10);
  CHECK(last.num_positions() == 10 * 12);
  t.all_windows = true;
  const Trainer all(c, t, d);
  CHECK(all.num_sequences() == 10 * 3);  // 27 targets: 12 + 12 + 3
  CHECK(all.num_positions() == 10 * 27);
  t.threads = 2;
  CHECK(one_epoch_is_reproducible(c, t, d));
}

TEST_CASE("the moving average of the weights is what is validated and kept", "[trainer]") {
  const Dataset d = synthetic(32, 20, 10, 17);
  TrainConfig t;
  t.batch = 64;  // one step per epoch
  t.threads = 2;
  t.lr = 1e-2f;
  t.ema_decay = 0.0f;
  TrainConfig te = t;
  te.ema_decay = 0.5f;
  const Config c = tiny_config();
  Trainer plain(c, t, d), avg(c, te, d);
  plain.train_epoch(1);
  avg.train_epoch(1);
  const auto w1 = plain.params().flat();
  CHECK(avg.params().flat() == w1);  // the average does not change training
  CHECK(avg.snapshot()->params().flat() == w1);  // the first step starts the average
  plain.train_epoch(2);
  avg.train_epoch(2);
  const auto& w2 = plain.params().flat();
  // Step 2 decays by min(0.5, (1 + 2) / (10 + 2)) = 0.25.
  const auto snapshot = avg.snapshot();  // keeps the model alive for `kept`
  const auto& kept = snapshot->params().flat();
  REQUIRE(kept.size() == w2.size());
  size_t off = 0;
  for (size_t i = 0; i < kept.size(); ++i) off += std::abs(kept[i] - (w1[i] + 0.75f * (w2[i] - w1[i]))) > 1e-6f;
  CHECK(off == 0);
  CHECK(kept != w2);
}

TEST_CASE("test tracing reports the test items per epoch and changes nothing else", "[trainer]") {
  const Dataset d = synthetic(64, 20, 10, 9);
  TrainConfig t = short_run(4, 2);
  Trainer plain(tiny_config(), t, d);
  const TrainResult a = plain.fit();
  t.trace_test = true;
  Trainer traced(tiny_config(), t, d);
  const TrainResult b = traced.fit();
  // Same training, same kept epoch and weights.
  CHECK(traced.params().flat() == plain.params().flat());
  CHECK(b.best_epoch == a.best_epoch);
  CHECK(b.model->params().flat() == a.model->params().flat());
  REQUIRE(b.epochs.size() == 4);
  for (const EpochStats& e : a.epochs) CHECK_FALSE(e.traced);
  for (const EpochStats& e : b.epochs) CHECK(e.traced == e.evaluated);
  // The last epoch's trace is the final weights ranked on every test case.
  const EpochStats& last = b.epochs.back();
  EvalOptions eo;
  eo.protocol = Protocol::kFull;
  CHECK(last.test.full.ndcg10() == evaluate(*traced.snapshot(), d, Split::kTest, eo).ndcg10());
  CHECK(size_t(last.test.full.users) == eval_cases(d, Split::kTest).size());
  eo.protocol = Protocol::kSampled;
  CHECK(last.test.sampled.ndcg10() == evaluate(*traced.snapshot(), d, Split::kTest, eo).ndcg10());
}

TEST_CASE("a diverging run stops at once, says where and keeps no diverged weights", "[trainer]") {
  const Dataset d = synthetic(64, 20, 10, 19);
  TrainConfig t = short_run(5, 1);
  t.lr = 1e30f;  // the first step sends the weights to ~1e30: the next loss overflows
  int epochs_reported = 0;
  Trainer tr(tiny_config(), t, d);
  const TrainResult r = tr.fit({}, [&](const EpochStats&) { ++epochs_reported; });
  CHECK(r.diverged);
  INFO(r.stop_reason);
  CHECK(r.stop_reason.starts_with("diverged: loss is "));
  CHECK(r.stop_reason.ends_with(" at epoch 1 batch 2"));
  CHECK(tr.divergence() == r.stop_reason);
  CHECK(epochs_reported == 0);
  REQUIRE(r.epochs.size() == 1);
  CHECK_FALSE(std::isfinite(r.epochs[0].loss));
  CHECK_FALSE(r.epochs[0].evaluated);
  // Nothing was validated before: the model is the initial weights, finite.
  CHECK(r.best_epoch == 0);
  REQUIRE(r.model != nullptr);
  CHECK(r.model->params().flat() == Trainer(tiny_config(), t, d).params().flat());
  // Training does not go on once diverged.
  const auto weights = tr.params().flat();
  CHECK_FALSE(std::isfinite(tr.train_epoch(2)));
  CHECK(tr.params().flat() == weights);
}

TEST_CASE("a sound run is not flagged as diverged", "[trainer]") {
  const Dataset d = synthetic(64, 20, 10, 3);
  Trainer tr(tiny_config(), short_run(2, 1), d);
  const TrainResult r = tr.fit();
  CHECK_FALSE(r.diverged);
  CHECK(r.stop_reason == "epochs");
  CHECK(tr.divergence().empty());
}

TEST_CASE("Adam: lazy rows leave the untouched rows' weights and moments alone", "[trainer]") {
  // Two leading dense values, then a 3 x 2 block of lazy rows, then one more.
  const std::vector<float> start{1, 2, 10, 11, 20, 21, 30, 31, 5};
  const std::vector<float> g1{0.1f, 0.2f, 0.3f, 0.4f, 0.0f, 0.0f, 0.5f, 0.6f, 0.7f};
  const std::vector<float> g2{0.1f, 0.2f, 0.0f, 0.0f, 0.3f, 0.3f, 0.0f, 0.0f, 0.7f};
  std::vector<float> dense = start, lazy = start;
  Adam a(start.size(), 0.9f, 0.98f, 0.0f), b(start.size(), 0.9f, 0.98f, 0.0f);
  const std::vector<int32_t> first{0, 2}, second{1};
  a.step(dense, g1, 0.01f);
  LazyRows rows{.offset = 2, .rows = 3, .width = 2, .touched = first};
  b.step(lazy, g1, 0.01f, &rows);
  CHECK(lazy == dense);  // the untouched row has no moment yet: dense leaves it too
  a.step(dense, g2, 0.01f);
  rows.touched = second;
  b.step(lazy, g2, 0.01f, &rows);
  // Rows 0 and 2 had a moment from step 1: dense moves them on, lazy does not.
  CHECK(lazy[2] != dense[2]);
  CHECK(lazy[6] != dense[6]);
  float row0[2] = {start[2], start[3]};
  {
    std::vector<float> once = start;
    Adam c(start.size(), 0.9f, 0.98f, 0.0f);
    c.step(once, g1, 0.01f);
    row0[0] = once[2];
    row0[1] = once[3];
  }
  CHECK(lazy[2] == row0[0]);
  CHECK(lazy[3] == row0[1]);
  // Row 1 and the dense values saw the same gradients in both.
  CHECK(lazy[4] == dense[4]);
  CHECK(lazy[5] == dense[5]);
  CHECK(lazy[0] == dense[0]);
  CHECK(lazy[8] == dense[8]);
}

TEST_CASE("a lazily updated embedding trains exactly as a dense one when every batch touches every row",
          "[trainer]") {
  // 20 items and 64 negatives per sequence: every row has a gradient in every
  // batch, so lazy Adam and the lazy average have nothing to skip.
  const Dataset d = synthetic(64, 20, 10, 3);
  TrainConfig dense = short_run(2, 100);
  dense.negatives = 64;
  dense.ema_decay = 0.9f;
  dense.lazy_embedding_items = 0;
  TrainConfig lazy = dense;
  lazy.lazy_embedding_items = 1;
  Trainer a(tiny_config(), dense, d), b(tiny_config(), lazy, d);
  CHECK_FALSE(a.lazy_embedding());
  CHECK(b.lazy_embedding());
  for (int e = 1; e <= 2; ++e) {
    a.train_epoch(e);
    b.train_epoch(e);
  }
  CHECK(a.params().flat() == b.params().flat());
  CHECK(a.snapshot()->params().flat() == b.snapshot()->params().flat());
}

TEST_CASE("with a lazy embedding the kept average is the dense average of the weights", "[trainer]") {
  // 2,000 items of which sequences use 20, one negative per position: most
  // rows go untouched in a step, and their average must catch up when read.
  Dataset d = synthetic(32, 20, 10, 17);
  for (int i = 21; i <= 2000; ++i) d.item_ids.push_back(std::to_string(i));
  TrainConfig t;
  t.loss = Loss::kBce;
  t.batch = 64;  // one step per epoch
  t.threads = 2;
  t.lr = 1e-2f;
  t.ema_decay = 0.9f;
  t.lazy_embedding_items = 1;
  Trainer tr(tiny_config(), t, d);
  REQUIRE(tr.lazy_embedding());
  std::vector<float> average;
  size_t unchanged_rows = 0;
  const size_t dim = size_t(tiny_config().d);
  for (int step = 1; step <= 6; ++step) {
    const std::vector<float> before(tr.params().flat().begin(), tr.params().flat().end());
    tr.train_epoch(step);
    const auto& w = tr.params().flat();
    if (average.empty()) {
      average.assign(w.begin(), w.end());
    } else {
      const float decay = std::min(0.9f, float(1 + step) / float(10 + step));
      for (size_t i = 0; i < w.size(); ++i) average[i] += (1.0f - decay) * (w[i] - average[i]);
    }
    for (size_t r = 21; r <= 2000; ++r) {
      unchanged_rows += std::equal(w.begin() + ptrdiff_t(r * dim), w.begin() + ptrdiff_t((r + 1) * dim),
                                   before.begin() + ptrdiff_t(r * dim));
    }
  }
  CHECK(unchanged_rows > 1000);  // the lazy path was taken
  const auto kept = tr.snapshot();
  const auto& a = kept->params().flat();
  REQUIRE(a.size() == average.size());
  size_t off = 0;
  for (size_t i = 0; i < a.size(); ++i) off += std::abs(a[i] - average[i]) > 1e-5f;
  CHECK(off == 0);
}

TEST_CASE("a time budget shorter than an epoch stops inside it and validates what was trained", "[trainer]") {
  const Dataset d = synthetic(4000, 40, 14, 23);
  TrainConfig t;
  t.batch = 8;
  t.threads = 2;
  t.epochs = 5;
  t.max_minutes = 0.005 / 60.0;  // 5 ms; one epoch takes far longer
  Trainer tr(tiny_config(), t, d);
  const TrainResult r = tr.fit();
  CHECK(r.stop_reason == "time budget");
  REQUIRE(r.epochs.size() == 1);
  CHECK(r.epochs[0].sequences > 0);
  CHECK(r.epochs[0].sequences < int64_t(tr.num_sequences()));
  CHECK(r.epochs[0].evaluated);
  CHECK(r.best_epoch == 1);
  CHECK(tr.out_of_time());
}

namespace {

std::vector<int32_t> vec(std::span<const int32_t> s) { return {s.begin(), s.end()}; }

// A hand-built data set: user 0 has 6 items, user 1 has 4, user 2 has 2
// (too short to evaluate), user 3 has 3.
Dataset hand_built() {
  Dataset d;
  for (int i = 1; i <= 9; ++i) d.item_ids.push_back(std::to_string(i));
  d.user_ids = {"a", "b", "c", "d"};
  d.seqs = {{1, 2, 3, 4, 5, 6}, {7, 8, 9, 1}, {2, 3}, {4, 5, 6}};
  return d;
}

}  // namespace

TEST_CASE("strict protocol: train on all but the last two, validate on the second last, test on the last",
          "[trainer][protocol]") {
  const Dataset d = hand_built();
  Config c = tiny_config();  // maxlen 12: one window per user
  TrainConfig t;
  t.threads = 1;
  t.protocol = TrainProtocol::kStrict;
  t.eval_users = 1;          // only user a's validation item picks the epoch...
  t.train_on_valid = true;   // ...and still nobody trains on a second-last item
  const Trainer tr(c, t, d);
  const auto& seqs = tr.sequences();
  REQUIRE(seqs.size() == 3);  // user d trains on [4] alone: no target
  CHECK(seqs[0].user == 0);
  CHECK(vec(seqs[0].inputs) == std::vector<int32_t>{1, 2, 3});
  CHECK(vec(seqs[0].targets) == std::vector<int32_t>{2, 3, 4});
  CHECK(seqs[1].user == 1);
  CHECK(vec(seqs[1].inputs) == std::vector<int32_t>{7});
  CHECK(vec(seqs[1].targets) == std::vector<int32_t>{8});
  CHECK(seqs[2].user == 2);  // too short to evaluate: all of it trains
  CHECK(vec(seqs[2].inputs) == std::vector<int32_t>{2});
  CHECK(vec(seqs[2].targets) == std::vector<int32_t>{3});
  CHECK(tr.valid_users() == std::vector<int32_t>{0});

  // Validation: the second-last item with the training items as history;
  // test: the last item with everything before it.
  const auto valid = eval_cases(d, Split::kValid);
  REQUIRE(valid.size() == 3);
  CHECK(valid[0].user == 0);
  CHECK(vec(valid[0].history) == std::vector<int32_t>{1, 2, 3, 4});
  CHECK(valid[0].target == 5);
  CHECK(vec(valid[1].history) == std::vector<int32_t>{7, 8});
  CHECK(valid[1].target == 9);
  CHECK(valid[2].user == 3);
  CHECK(vec(valid[2].history) == std::vector<int32_t>{4});
  CHECK(valid[2].target == 5);
  const auto test = eval_cases(d, Split::kTest);
  REQUIRE(test.size() == 3);
  CHECK(vec(test[0].history) == std::vector<int32_t>{1, 2, 3, 4, 5});
  CHECK(test[0].target == 6);
  CHECK(vec(test[1].history) == std::vector<int32_t>{7, 8, 9});
  CHECK(test[1].target == 1);
  CHECK(vec(test[2].history) == std::vector<int32_t>{4, 5});
  CHECK(test[2].target == 6);

  // The deployment protocol on the same data: users outside the validation
  // subset (b and d) also train on their second-last item.
  t.protocol = TrainProtocol::kDeployment;
  const Trainer dep(c, t, d);
  REQUIRE(dep.sequences().size() == 4);
  CHECK(vec(dep.sequences()[0].targets) == std::vector<int32_t>{2, 3, 4});
  CHECK(vec(dep.sequences()[1].targets) == std::vector<int32_t>{8, 9});
  CHECK(vec(dep.sequences()[3].inputs) == std::vector<int32_t>{4});
  CHECK(vec(dep.sequences()[3].targets) == std::vector<int32_t>{5});
}

TEST_CASE("protocol names parse and print", "[trainer][protocol]") {
  CHECK(parse_train_protocol("strict") == TrainProtocol::kStrict);
  CHECK(parse_train_protocol("deployment") == TrainProtocol::kDeployment);
  CHECK_FALSE(parse_train_protocol("paper").has_value());
  CHECK(train_protocol_name(TrainProtocol::kStrict) == "strict");
}

TEST_CASE("a purchase's target carries its weight into training", "[trainer][types]") {
  Dataset d = hand_built();
  d.weights = {{1, 2, 1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1}, {1, 1, 1}};  // user a purchased item 2
  TrainConfig t;
  t.threads = 1;
  t.protocol = TrainProtocol::kStrict;
  const Trainer tr(tiny_config(), t, d);
  REQUIRE(tr.sequences().size() == 3);
  const auto& a = tr.sequences()[0];
  CHECK(vec(a.targets) == std::vector<int32_t>{2, 3, 4});
  CHECK(std::vector<float>(a.weights.begin(), a.weights.end()) == std::vector<float>{2, 1, 1});

  // And it counts: one batch holds every sequence, so the epoch's loss is
  // the unweighted one plus the purchase position's loss once more, and the
  // step (its gradient doubled) lands elsewhere.
  Dataset plain = hand_built();
  TrainConfig one = short_run(1, 100);
  one.threads = 1;
  Trainer wa(tiny_config(), one, d), wb(tiny_config(), one, plain);
  const double la = wa.train_epoch(1), lb = wb.train_epoch(1);
  CHECK(wa.params().flat() != wb.params().flat());
  CHECK(la > lb);  // the weighted position counts twice in the loss
}

TEST_CASE("strict and deployment runs are deterministic under a seed, also with two threads", "[trainer][protocol]") {
  const Dataset d = synthetic(64, 20, 10, 3);
  for (TrainProtocol p : {TrainProtocol::kStrict, TrainProtocol::kDeployment}) {
    TrainConfig t = short_run(3, 1);
    t.protocol = p;
    t.eval_users = 20;
    Trainer a(tiny_config(), t, d), b(tiny_config(), t, d);
    const TrainResult ra = a.fit(), rb = b.fit();
    CHECK(ra.model->params().flat() == rb.model->params().flat());
    CHECK(ra.best_epoch == rb.best_epoch);
    CHECK(ra.best_valid.ndcg10() == rb.best_valid.ndcg10());
  }
}

namespace {

// Sparse data on which popularity knows what the model cannot learn. A
// user has 5 items: one of 5 popular items, two items nobody else has, then
// two popular items again (the validation and the test targets). Training
// parts (the first three) hold a popular item only as a sequence's first
// item, an input and never a target, so the model is never taught to
// predict one (and, drawn as negatives, they are pushed down), while
// popularity counts each about users / 5 times against the others' once.
Dataset popular_untaught(int users, uint64_t seed) {
  Dataset d;
  for (int i = 1; i <= 5 + 2 * users; ++i) d.item_ids.push_back(std::to_string(i));
  Rng rng(seed);
  auto popular = [&] { return int32_t(rng.below(5)) + 1; };
  for (int u = 0; u < users; ++u) {
    d.user_ids.push_back("u" + std::to_string(u));
    d.seqs.push_back({popular(), 6 + 2 * u, 7 + 2 * u, popular(), popular()});
  }
  return d;
}

}  // namespace

TEST_CASE("popularity counts the items trained on under either protocol", "[trainer][popularity]") {
  const Dataset d = hand_built();
  TrainConfig t;
  t.threads = 1;
  t.eval_users = 1;
  t.protocol = TrainProtocol::kStrict;
  // a trains on 1 2 3 4, b on 7 8, c on 2 3, d on 4.
  const std::vector<int64_t> strict{0, 1, 2, 2, 2, 0, 0, 1, 1, 0};
  CHECK(Trainer(tiny_config(), t, d).popularity().counts() == strict);
  // Deployment: b and d, outside the validation subset, add 9 and 5.
  t.protocol = TrainProtocol::kDeployment;
  const std::vector<int64_t> deployment{0, 1, 2, 2, 2, 1, 0, 1, 1, 1};
  CHECK(Trainer(tiny_config(), t, d).popularity().counts() == deployment);
}

TEST_CASE("fit ranks popularity on the validation items beside the model and a learnt model beats it",
          "[trainer][popularity]") {
  const Dataset d = synthetic(200, 40, 14, 9);
  TrainConfig t = short_run(10, 1);
  t.lr = 5e-3f;
  t.negatives = 16;
  t.eval_users = 150;
  t.protocol = TrainProtocol::kStrict;  // every user trains on its training part, as the helper counts
  Trainer tr(tiny_config(), t, d);
  const TrainResult r = tr.fit();
  // The same users and the same figure as the brute-force helper's.
  CHECK(r.popularity_valid.users == 150);
  CHECK(r.popularity_valid.users == r.best_valid.users);
  CHECK(r.popularity_valid.ndcg10() == Approx(popularity(d, Split::kValid, 150).ndcg10()));
  CHECK(r.popularity_valid.mrr() == Approx(popularity(d, Split::kValid, 150).mrr()));
  INFO("model " << r.best_valid.ndcg10() << ", popularity " << r.popularity_valid.ndcg10());
  CHECK(r.best_valid.ndcg10() > 0.5);
  CHECK(r.beats_popularity());
}

TEST_CASE("on sparse data where popularity knows what the model cannot learn the model does not beat it",
          "[trainer][popularity]") {
  const Dataset d = popular_untaught(300, 5);
  for (TrainProtocol p : {TrainProtocol::kStrict, TrainProtocol::kDeployment}) {
    TrainConfig t = short_run(20, 1);
    t.protocol = p;
    t.patience = 10;
    t.negatives = 64;
    t.eval_users = 0;  // every user validates: no second-last item trains, under either protocol
    Trainer tr(tiny_config(), t, d);
    const TrainResult r = tr.fit();
    INFO("protocol " << train_protocol_name(p) << ": model " << r.best_valid.ndcg10() << " at epoch "
                     << r.best_epoch << ", popularity " << r.popularity_valid.ndcg10());
    CHECK(r.popularity_valid.users == 300);
    CHECK(r.popularity_valid.ndcg10() > 0.3);
    CHECK(r.best_valid.ndcg10() < 0.1);
    CHECK_FALSE(r.beats_popularity());
  }
}

TEST_CASE("the model beats popularity only with a strictly higher validation NDCG@10", "[trainer][popularity]") {
  // 100 users; popularity hits 10 of them at rank 0 (NDCG sum 10), the
  // model 10 + k; the noise margin is sqrt(20 + k) / 100.
  auto result = [](int model_hits) {
    TrainResult r;
    for (int u = 0; u < 100; ++u) {
      r.popularity_valid.add_rank(u < 10 ? 0 : 50);
      r.best_valid.add_rank(u < model_hits ? 0 : 50);
    }
    return r;
  };
  CHECK(result(15).popularity_margin() == Approx(5.0 / 100));
  CHECK_FALSE(result(9).beats_popularity());
  CHECK_FALSE(result(10).beats_popularity());  // level is not better
  CHECK(result(11).beats_popularity());        // within the margin, still better
  CHECK_FALSE(TrainResult().beats_popularity());  // nothing validated: no hit on either side
  CHECK(TrainResult().popularity_margin() == 0);
}

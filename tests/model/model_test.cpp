#include "model/model.h"

#include <catch2/catch.hpp>
#include <numeric>
#include <thread>

#include "model/sasrec.h"

using namespace attnrec::model;

namespace {

std::shared_ptr<const Model> random_model(int items = 50, int d = 16, int L = 20,
                                          int window = 0) {
  Config c;
  if (window > 0) {
    c.attention = Attention::kLocal;
    c.window = window;
  }
  c.num_items = items;
  c.maxlen = L;
  c.d = d;
  c.blocks = 2;
  c.heads = 2;
  Params<float> p(std::make_shared<Layout>(c));
  p.init(9);
  std::vector<std::string> ids;
  for (int i = 1; i <= items; ++i) ids.push_back("item" + std::to_string(i));
  return std::make_shared<const Model>(std::move(p), std::move(ids));
}

// 0..n: the padding index and every item.
std::vector<int32_t> all_items(int n) {
  std::vector<int32_t> v(size_t(n) + 1);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

TEST_CASE("encode uses the last L known items and scores are dot products", "[model]") {
  const auto m = random_model(50, 16, 4);
  std::vector<float> u1(16), u2(16);
  REQUIRE(m->encode(std::vector<int32_t>{7, 8, 9, 10, 11}, u1));
  // Unknown ids (0, 999) are ignored; only the last 4 known items count.
  REQUIRE(m->encode(std::vector<int32_t>{3, 8, 0, 9, 10, 999, 11}, u2));
  CHECK(u1 == u2);
  CHECK_FALSE(m->encode(std::vector<int32_t>{0, 999}, u1));

  std::vector<float> all(51);
  m->score(u2, all_items(50), all);
  std::vector<float> some(2);
  m->score(u2, std::vector<int32_t>{5, 0}, some);
  CHECK(some[0] == Approx(all[5]));
  CHECK(some[1] == -INFINITY);
  CHECK(all[0] == -INFINITY);
}

TEST_CASE("recommend excludes items and returns the highest scores", "[model]") {
  const auto m = random_model();
  const std::vector<int32_t> hist = {1, 2, 3};
  const auto top = m->recommend(hist, 5, {.allowed = {}, .excluded = hist});
  REQUIRE(top.size() == 5);
  std::vector<float> u(16), all(51);
  REQUIRE(m->encode(hist, u));
  m->score(u, all_items(50), all);
  for (size_t i = 0; i < top.size(); ++i) {
    CHECK(top[i].item > 3);
    if (i > 0) CHECK(top[i - 1].score >= top[i].score);
  }
  // No item outside the history scores above the 5th (the index sums in
  // another order than score(): allow for rounding).
  int better = 0;
  for (int i = 4; i <= 50; ++i) better += all[size_t(i)] > top.back().score + 1e-5f;
  CHECK(better == 4);
}

TEST_CASE("explain gives per-layer, per-head weights over the history summing to 1", "[model]") {
  const auto m = random_model();
  const auto ex = m->explain(std::vector<int32_t>{4, 5, 6});
  REQUIRE(ex.used_history.size() == 3);
  REQUIRE(ex.weights.size() == 2);
  for (const auto& layer : ex.weights) {
    REQUIRE(layer.size() == 2);
    for (const auto& head : layer) {
      REQUIRE(head.size() == 3);
      CHECK(head[0] + head[1] + head[2] == Approx(1.0f));
    }
  }
  const auto sim = m->similar(4, 3);
  REQUIRE(sim.size() == 3);
  for (const auto& s : sim) CHECK(s.item != 4);
}

TEST_CASE("explain with local attention: weights only on the last W items, summing to 1 per head",
          "[model]") {
  const int window = 3;
  const auto m = random_model(50, 16, 20, window);
  const std::vector<int32_t> hist = {4, 5, 6, 7, 8, 9, 10, 11};
  const auto ex = m->explain(hist);
  REQUIRE(ex.used_history == hist);
  REQUIRE(ex.weights.size() == 2);
  for (const auto& layer : ex.weights) {
    REQUIRE(layer.size() == 2);
    for (const auto& head : layer) {
      REQUIRE(head.size() == hist.size());
      float sum = 0;
      for (size_t j = 0; j < head.size(); ++j) {
        INFO("position " << j);
        if (j + window >= hist.size()) CHECK(head[j] > 0.0f);
        else CHECK(head[j] == 0.0f);
        sum += head[j];
      }
      CHECK(sum == Approx(1.0f));
    }
  }
  // A full-attention model after a local one on the same thread (the
  // per-thread workspace is rebuilt for the other window): all weights > 0.
  const auto full = random_model(50, 16, 20);
  for (const auto& layer : full->explain(hist).weights) {
    for (const auto& head : layer) {
      for (float v : head) CHECK(v > 0.0f);
    }
  }
}

TEST_CASE("concurrent encodes from many threads agree with a serial one", "[model]") {
  const auto m = random_model();
  std::vector<int32_t> hist;
  for (int i = 0; i < 20; ++i) hist.push_back(1 + (i * 7) % 50);
  std::vector<float> ref(16);
  REQUIRE(m->encode(hist, ref));
  std::vector<std::thread> pool;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    pool.emplace_back([&] {
      std::vector<float> u(16);
      for (int r = 0; r < 50; ++r) {
        if (!m->encode(hist, u) || u != ref) ++mismatches;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(mismatches == 0);
}

// Speed is measured by the benchmarks (bench/), not here: this checks that the
// thread's reused workspace carries nothing from one call to the next.
TEST_CASE("repeated inference on a 200-item history gives the same vector every time", "[model]") {
  const auto m = random_model(3416, 50, 200);
  std::vector<int32_t> hist, other;
  for (int i = 0; i < 200; ++i) hist.push_back(1 + (i * 13) % 3416);
  for (int i = 0; i < 37; ++i) other.push_back(1 + (i * 7) % 3416);
  std::vector<float> first(50), u(50), v(50);
  REQUIRE(m->encode(hist, first));
  for (int r = 0; r < 50; ++r) {
    REQUIRE(m->encode(other, v));  // a shorter history in between
    REQUIRE(m->encode(hist, u));
    REQUIRE(u == first);
  }
  CHECK(v != first);
}

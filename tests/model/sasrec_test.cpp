#include "model/sasrec.h"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "gradcheck.h"

using namespace attnrec::model;
using attnrec::Rng;
using namespace attnrec::model::test;

namespace {

Config model_config(Activation act) {
  Config c;
  c.num_items = 9;
  c.maxlen = 6;
  c.d = 8;
  c.d_ff = 10;
  c.blocks = 2;
  c.heads = 2;
  c.act = act;
  return c;
}

// The worst relative error, and its tensor, of the encoder's hand-written
// gradient of f = sum(out * r) (r random) against finite differences.
std::pair<double, std::string> encoder_gradient_error(const Config& cfg, uint64_t seed, uint64_t r_seed,
                                                      const std::vector<int32_t>& items) {
  Params<double> w = random_params(cfg, seed);
  Workspace<double> ws(cfg);
  const int n = int(items.size());
  std::mt19937_64 rng(r_seed);
  const Mat<double> r = random_mat(n, cfg.d, rng);
  auto f = [&] {
    forward<double>(w, items, ws, nullptr);
    return (ws.out.topRows(n).array() * r.array()).sum();
  };
  f();
  Params<double> grad(w.layout_ptr());
  backward<double>(w, ws, r, grad);
  return check_params(w, grad, f);
}

}  // namespace

TEST_CASE("whole encoder gradient matches finite differences", "[sasrec][grad]") {
  for (Activation act : {Activation::kRelu, Activation::kGelu}) {
    const Config cfg = model_config(act);
    // A history shorter than maxlen: no padding rows exist at all.
    const auto [err, name] = encoder_gradient_error(cfg, 42, 1, {3, 1, 9, 3, 5});
    INFO("worst tensor " << name);
    CHECK(err < 1e-5);
  }
}

TEST_CASE("padding costs nothing: item 0's embedding gets no gradient and unused positions none",
          "[sasrec][grad]") {
  const Config cfg = model_config(Activation::kRelu);
  Params<double> w = random_params(cfg, 4);
  Workspace<double> ws(cfg);
  const std::vector<int32_t> items = {2, 4};
  forward<double>(w, items, ws, nullptr);
  Params<double> grad(w.layout_ptr());
  const Mat<double> r = Mat<double>::Ones(2, cfg.d);
  backward<double>(w, ws, r, grad);
  const auto& dE = grad.net().item_emb;
  const auto& dP = grad.net().pos_emb;
  CHECK(dE.row(0).norm() == 0.0);
  // The two items sit at the last two positions.
  CHECK(dP.topRows(cfg.maxlen - 2).norm() == 0.0);
  CHECK(dP.bottomRows(2).norm() > 0.0);
}

TEST_CASE("last-only inference equals the last row of the full forward", "[sasrec]") {
  const Config cfg = model_config(Activation::kRelu);
  const Params<float> w = random_params(cfg, 8).cast<float>();
  Workspace<float> ws(cfg);
  const std::vector<int32_t> items = {1, 2, 3, 4, 5, 6};
  forward<float>(w, items, ws, nullptr);
  const RowVec<float> full = ws.out.row(5);
  forward<float>(w, items, ws, nullptr, true);
  CHECK((full - ws.out.row(0)).norm() < 1e-5f * full.norm());
}

TEST_CASE("inference workspaces give the training workspace's outputs with fewer bytes",
          "[sasrec]") {
  for (const Activation act : {Activation::kRelu, Activation::kGelu}) {
    for (const int window : {0, 2}) {
      Config cfg = model_config(act);
      if (window > 0) {
        cfg.attention = Attention::kLocal;
        cfg.window = window;
      }
      INFO("activation " << int(act) << " window " << window);
      const Params<float> w = random_params(cfg, 8).cast<float>();
      Workspace<float> train(cfg), full(cfg, Pass::kInference), last(cfg, Pass::kLastOnly);
      CHECK(full.bytes() < train.bytes());
      CHECK(last.bytes() < full.bytes());
      for (const std::vector<int32_t>& items :
           {std::vector<int32_t>{1, 2, 3, 4, 5, 6}, std::vector<int32_t>{7}, std::vector<int32_t>{4, 9, 2}}) {
        const int n = int(items.size());
        forward<float>(w, items, train, nullptr);
        forward<float>(w, items, full, nullptr);
        CHECK((train.out.topRows(n) - full.out.topRows(n)).norm() == 0.0f);
        forward<float>(w, items, train, nullptr, true);
        forward<float>(w, items, last, nullptr, true);
        CHECK((train.out.row(0) - last.out.row(0)).norm() == 0.0f);
      }
    }
  }
}

TEST_CASE("dropout changes the training forward and is reproducible under a seed", "[sasrec]") {
  Config cfg = model_config(Activation::kRelu);
  cfg.dropout = 0.3f;
  const Params<float> w = random_params(cfg, 8).cast<float>();
  Workspace<float> ws(cfg);
  const std::vector<int32_t> items = {1, 2, 3};
  forward<float>(w, items, ws, nullptr);
  const Mat<float> clean = ws.out.topRows(3);
  Rng a(5), b(5);
  forward<float>(w, items, ws, &a);
  const Mat<float> d1 = ws.out.topRows(3);
  forward<float>(w, items, ws, &b);
  CHECK((d1 - ws.out.topRows(3)).norm() == 0.0f);
  CHECK((d1 - clean).norm() > 1e-3f);
}

TEST_CASE("whole encoder gradient with local attention matches finite differences",
          "[sasrec][grad]") {
  for (int window : {1, 2, 3}) {
    Config cfg = model_config(Activation::kGelu);
    cfg.attention = Attention::kLocal;
    cfg.window = window;
    REQUIRE(cfg.validate().is_ok());
    // A history longer than every window.
    const auto [err, name] = encoder_gradient_error(cfg, 43, 2, {3, 1, 9, 3, 5});
    INFO("window " << window << ", worst tensor " << name);
    CHECK(err < 1e-5);
  }
}

TEST_CASE("last-only inference with local attention equals the last row of the full forward",
          "[sasrec]") {
  // Two blocks of window W: the last row sees the last 2 (W - 1) + 1 items,
  // so last_only drops the others; the result must not change.
  for (int window : {1, 2, 3, 6}) {
    Config cfg = model_config(Activation::kRelu);
    cfg.attention = Attention::kLocal;
    cfg.window = window;
    const Params<double> w = random_params(cfg, 8);
    Workspace<double> ws(cfg);
    const std::vector<int32_t> items = {1, 2, 3, 4, 5, 6};
    forward<double>(w, items, ws, nullptr);
    const RowVec<double> full = ws.out.row(5);
    forward<double>(w, items, ws, nullptr, true);
    INFO("window " << window);
    CHECK(ws.n == std::min(6, 2 * (window - 1) + 1));
    CHECK((full - ws.out.row(0)).norm() < 1e-12 * full.norm());
  }
}

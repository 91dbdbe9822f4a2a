#include "model/loss.h"

#include <catch2/catch.hpp>
#include <functional>
#include <span>
#include <string>

#include "gradcheck.h"
#include "model/sasrec.h"

using namespace attnrec::model;
using namespace attnrec::model::test;

namespace {

Config loss_config() {
  Config c;
  c.num_items = 11;
  c.maxlen = 6;
  c.d = 6;
  c.blocks = 1;
  c.heads = 1;
  return c;
}

// Checks dH and dE (the only parameters a loss touches) for one loss.
template <class LossFn>
void check_loss(LossFn&& loss) {
  const Config cfg = loss_config();
  Params<double> w = random_params(cfg, 77);
  std::mt19937_64 rng(2);
  const int n = 4;
  Mat<double> H = random_mat(n, cfg.d, rng);
  LossScratch<double> s;
  Params<double> sink(w.layout_ptr());
  Mat<double> dH(n, cfg.d);
  const double scale = 0.5;
  auto f = [&] { return scale * loss(w, H, dH, sink, s); };
  f();
  Params<double> grad(w.layout_ptr());
  loss(w, H, dH, grad, s);
  const Mat<double> dH_analytic = dH;
  const auto num_h = numeric_grad(H.data(), size_t(H.size()), f);
  CHECK(rel_error(num_h.data(), dH_analytic.data(), num_h.size()) < 1e-6);
  CHECK(check_tensor(w.mut().item_emb, grad.net().item_emb, f) < 1e-6);
}

const std::vector<int32_t> kTargets = {3, 7, 1, 11};

}  // namespace

TEST_CASE("BCE loss gradient matches finite differences", "[loss][grad]") {
  const std::vector<int32_t> negs = {2, 5, 4, 9, 6, 8, 10, 2};  // k = 2 per position
  check_loss([&](const Params<double>& w, CRef<double> H, MRef<double> dH, Params<double>& G,
                 LossScratch<double>& s) {
    return bce_loss<double>(w.net().item_emb, H, kTargets, negs, 2, 0.5, dH, G.mut().item_emb, s);
  });
}

TEST_CASE("full softmax CE gradient matches finite differences", "[loss][grad]") {
  check_loss([&](const Params<double>& w, CRef<double> H, MRef<double> dH, Params<double>& G,
                 LossScratch<double>& s) {
    return ce_loss<double>(w.net().item_emb, H, kTargets, 0.5, dH, G.mut().item_emb, s);
  });
}

TEST_CASE("sampled CE gradient matches finite differences", "[loss][grad]") {
  const std::vector<int32_t> negs = {2, 5, 9};
  check_loss([&](const Params<double>& w, CRef<double> H, MRef<double> dH, Params<double>& G,
                 LossScratch<double>& s) {
    return sampled_ce_loss<double>(w.net().item_emb, H, kTargets, negs, 0.5, dH,
                                   G.mut().item_emb, s);
  });
}

TEST_CASE("CE loss value equals -log softmax of the target, by hand", "[loss]") {
  Config cfg = loss_config();
  cfg.num_items = 2;
  cfg.d = 1;
  Params<double> w(std::make_shared<Layout>(cfg));
  w.mut().item_emb << 0, 1, 2;  // items 1 and 2 have embeddings 1 and 2
  Mat<double> H(1, 1);
  H << 1.0;      // logits 1, 2
  Mat<double> dH(1, 1);
  Params<double> G(w.layout_ptr());
  LossScratch<double> s;
  const std::vector<int32_t> t = {1};
  const double loss = ce_loss<double>(w.net().item_emb, H, t, 1.0, dH, G.mut().item_emb, s);
  CHECK(loss == Approx(std::log(std::exp(1.0) + std::exp(2.0)) - 1.0));
}

TEST_CASE("loss + whole model gradient matches finite differences", "[loss][sasrec][grad]") {
  Config cfg = loss_config();
  cfg.blocks = 2;
  cfg.heads = 2;
  cfg.d = 4;
  Params<double> w = random_params(cfg, 5);
  Workspace<double> ws(cfg);
  const std::vector<int32_t> items = {4, 2, 8, 6};
  LossScratch<double> s;
  Mat<double> dH(4, cfg.d);
  Params<double> sink(w.layout_ptr());
  auto f = [&] {
    forward<double>(w, items, ws, nullptr);
    return ce_loss<double>(w.net().item_emb, ws.out.topRows(4), kTargets, 1.0, dH,
                           sink.mut().item_emb, s);
  };
  f();
  Params<double> grad(w.layout_ptr());
  ce_loss<double>(w.net().item_emb, ws.out.topRows(4), kTargets, 1.0, dH, grad.mut().item_emb, s);
  backward<double>(w, ws, dH, grad);
  const auto [err, name] = check_params(w, grad, f);
  INFO("worst tensor " << name);
  CHECK(err < 1e-5);
}

// Event-type weights (type_policy.h): a position's loss and gradients are
// its weight times the unweighted ones, and finite differences agree.
TEST_CASE("weighted losses: each position counts its weight times, gradients match", "[loss][grad][types]") {
  const std::vector<float> weights = {1.0f, 2.0f, 0.5f, 1.0f};  // position 1 is a purchase of weight 2
  const std::vector<int32_t> bce_negs = {2, 5, 4, 9, 6, 8, 10, 2};
  const std::vector<int32_t> ce_negs = {2, 5, 9};
  using Fn = std::function<double(const Params<double>&, CRef<double>, MRef<double>, Params<double>&,
                                  LossScratch<double>&, std::span<const int32_t>, std::span<const int32_t>,
                                  std::span<const float>)>;
  const std::vector<std::pair<std::string, Fn>> losses = {
      {"bce",
       [&](const Params<double>& w, CRef<double> H, MRef<double> dH, Params<double>& G, LossScratch<double>& s,
           std::span<const int32_t> t, std::span<const int32_t> negs, std::span<const float> wt) {
         return bce_loss<double>(w.net().item_emb, H, t, negs, 2, 0.5, dH, G.mut().item_emb, s, wt);
       }},
      {"ce",
       [&](const Params<double>& w, CRef<double> H, MRef<double> dH, Params<double>& G, LossScratch<double>& s,
           std::span<const int32_t> t, std::span<const int32_t>, std::span<const float> wt) {
         return ce_loss<double>(w.net().item_emb, H, t, 0.5, dH, G.mut().item_emb, s, wt);
       }},
      {"sampled-ce",
       [&](const Params<double>& w, CRef<double> H, MRef<double> dH, Params<double>& G, LossScratch<double>& s,
           std::span<const int32_t> t, std::span<const int32_t>, std::span<const float> wt) {
         return sampled_ce_loss<double>(w.net().item_emb, H, t, ce_negs, 0.5, dH, G.mut().item_emb, s, wt);
       }}};
  for (const auto& [name, loss] : losses) {
    INFO(name);
    const std::span<const int32_t> negs = name == "bce" ? std::span<const int32_t>(bce_negs)
                                                        : std::span<const int32_t>();
    check_loss([&](const Params<double>& w, CRef<double> H, MRef<double> dH, Params<double>& G,
                   LossScratch<double>& s) { return loss(w, H, dH, G, s, kTargets, negs, weights); });
    // Weighted = sum of w_i times each position's own loss, dH row i = w_i times its own.
    const Config cfg = loss_config();
    const Params<double> w = random_params(cfg, 5);
    std::mt19937_64 rng(9);
    const Mat<double> H = random_mat(4, cfg.d, rng);
    LossScratch<double> s;
    Params<double> G(w.layout_ptr());
    Mat<double> dH(4, cfg.d), dh1(1, cfg.d);
    const double weighted = loss(w, H, dH, G, s, kTargets, negs, weights);
    double sum = 0;
    for (int i = 0; i < 4; ++i) {
      const std::span<const int32_t> row_negs = name == "bce" ? negs.subspan(size_t(i) * 2, 2) : negs;
      const double li = loss(w, H.row(i), dh1, G, s, std::span<const int32_t>(kTargets).subspan(size_t(i), 1),
                             row_negs, {});
      sum += weights[size_t(i)] * li;
      CHECK((dH.row(i) - weights[size_t(i)] * dh1.row(0)).norm() < 1e-12);
    }
    CHECK(weighted == Approx(sum).epsilon(1e-12));
  }
}

#include "model/loss.h"

#include <catch2/catch.hpp>

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

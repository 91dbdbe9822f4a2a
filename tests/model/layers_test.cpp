#include "model/layers.h"

#include <catch2/catch.hpp>

#include "gradcheck.h"

using namespace attnrec::model;
using attnrec::Rng;
using namespace attnrec::model::test;

namespace {

Config small_config(Activation act = Activation::kRelu) {
  Config c;
  c.num_items = 7;
  c.maxlen = 6;
  c.d = 8;
  c.d_ff = 12;
  c.blocks = 1;
  c.heads = 2;
  c.act = act;
  return c;
}

}  // namespace

TEST_CASE("layernorm forward normalises each row", "[layers]") {
  const Config cfg = small_config();
  Params<double> w(std::make_shared<Layout>(cfg));
  w.init(1);
  std::mt19937_64 rng(3);
  const Mat<double> x = random_mat(5, cfg.d, rng, 3.0);
  Mat<double> y(5, cfg.d), xhat(5, cfg.d);
  ColVec<double> rstd(5);
  const Block<double>& B = w.net().blocks[0];
  layernorm_forward<double>(x, B.ln1_g, B.ln1_b, 1e-12, y, xhat, rstd);
  for (int i = 0; i < 5; ++i) {
    CHECK(std::abs(y.row(i).mean()) < 1e-12);
    CHECK(std::abs((y.row(i).array().square().mean()) - 1.0) < 1e-9);
  }
}

TEST_CASE("layernorm backward matches finite differences", "[layers][grad]") {
  const Config cfg = small_config();
  Params<double> w = random_params(cfg, 5);
  const Block<double>& B = w.net().blocks[0];
  std::mt19937_64 rng(7);
  Mat<double> x = random_mat(5, cfg.d, rng, 2.0);
  const Mat<double> r = random_mat(5, cfg.d, rng);  // loss = sum(y * r)
  Mat<double> y(5, cfg.d), xhat(5, cfg.d);
  ColVec<double> rstd(5);
  auto f = [&] {
    layernorm_forward<double>(x, B.ln2_g, B.ln2_b, 1e-6, y, xhat, rstd);
    return (y.array() * r.array()).sum();
  };
  f();
  Params<double> grad(w.layout_ptr());
  Mat<double> dx = Mat<double>::Zero(5, cfg.d);
  BlockGrad<double>& dB = grad.mut().blocks[0];
  layernorm_backward<double>(r, xhat, rstd, B.ln2_g, dB.ln2_g, dB.ln2_b, dx);
  const auto num_x = numeric_grad(x.data(), size_t(x.size()), f);
  CHECK(rel_error(num_x.data(), dx.data(), num_x.size()) < 1e-7);
  BlockGrad<double>& X = w.mut().blocks[0];
  const Block<double>& G = grad.net().blocks[0];
  CHECK(check_tensor(X.ln2_g, G.ln2_g, f) < 1e-7);
  CHECK(check_tensor(X.ln2_b, G.ln2_b, f) < 1e-7);
}

namespace {

// FFN input and parameter gradients against central differences, optionally
// with fixed dropout masks (the masks are part of the function).
void check_ffn(Activation act, bool dropout) {
  const Config cfg = small_config(act);
  Params<double> w = random_params(cfg, 11);
  const Block<double>& B = w.net().blocks[0];
  std::mt19937_64 rng(13);
  const int n = 5;
  Mat<double> x = random_mat(n, cfg.d, rng);
  const Mat<double> r = random_mat(n, cfg.d, rng);
  FfnCache<double> cache;
  cache.reserve(cfg.maxlen, cfg.d, cfg.ffn_width());
  if (dropout) {
    Rng mask_rng(23);
    dropout_mask<double>(cache.mask1.topRows(n), 0.3f, mask_rng);
    dropout_mask<double>(cache.mask2.topRows(n), 0.3f, mask_rng);
  }
  Mat<double> y(n, cfg.d);
  auto f = [&] {
    ffn_forward<double>(x, B, act, n, dropout, cache, y);
    return (y.array() * r.array()).sum();
  };
  f();
  Params<double> grad(w.layout_ptr());
  Mat<double> dx(n, cfg.d);
  ffn_backward<double>(r, x, B, grad.mut().blocks[0], act, n, dropout, cache, dx);
  INFO((act == Activation::kRelu ? "relu" : "gelu") << (dropout ? " with dropout" : ""));
  const auto num_x = numeric_grad(x.data(), size_t(x.size()), f);
  CHECK(rel_error(num_x.data(), dx.data(), num_x.size()) < 1e-5);
  BlockGrad<double>& X = w.mut().blocks[0];
  const Block<double>& G = grad.net().blocks[0];
  CHECK(check_tensor(X.w1, G.w1, f) < 1e-5);
  CHECK(check_tensor(X.b1, G.b1, f) < 1e-5);
  CHECK(check_tensor(X.w2, G.w2, f) < 1e-5);
  CHECK(check_tensor(X.b2, G.b2, f) < 1e-5);
}

}  // namespace

TEST_CASE("feed-forward backward matches finite differences", "[layers][grad]") {
  check_ffn(Activation::kRelu, false);
  check_ffn(Activation::kGelu, false);
}

TEST_CASE("feed-forward backward with fixed dropout masks matches finite differences",
          "[layers][grad]") {
  check_ffn(Activation::kRelu, true);
  check_ffn(Activation::kGelu, true);
}

TEST_CASE("dropout mask keeps about 1-p of the entries, scaled by 1/(1-p)", "[layers]") {
  Mat<float> m(100, 100);
  Rng rng(1);
  dropout_mask<float>(m, 0.25f, rng);
  int zeros = 0;
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    if (m.data()[i] == 0.0f) {
      ++zeros;
    } else {
      REQUIRE(m.data()[i] == Approx(1.0 / 0.75));
    }
  }
  CHECK(zeros > 2300);
  CHECK(zeros < 2700);
}

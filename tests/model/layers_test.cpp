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
  const int g = w.layout().blocks[0].ln1_g, b = w.layout().blocks[0].ln1_b;
  layernorm_forward<double>(x, w, g, b, 1e-12, y, xhat, rstd);
  for (int i = 0; i < 5; ++i) {
    CHECK(std::abs(y.row(i).mean()) < 1e-12);
    CHECK(std::abs((y.row(i).array().square().mean()) - 1.0) < 1e-9);
  }
}

TEST_CASE("layernorm backward matches finite differences", "[layers][grad]") {
  const Config cfg = small_config();
  Params<double> w = random_params(cfg, 5);
  const int g = w.layout().blocks[0].ln2_g, b = w.layout().blocks[0].ln2_b;
  std::mt19937_64 rng(7);
  Mat<double> x = random_mat(5, cfg.d, rng, 2.0);
  const Mat<double> r = random_mat(5, cfg.d, rng);  // loss = sum(y * r)
  Mat<double> y(5, cfg.d), xhat(5, cfg.d);
  ColVec<double> rstd(5);
  auto f = [&] {
    layernorm_forward<double>(x, w, g, b, 1e-6, y, xhat, rstd);
    return (y.array() * r.array()).sum();
  };
  f();
  Params<double> grad(w.layout_ptr());
  Mat<double> dx = Mat<double>::Zero(5, cfg.d);
  layernorm_backward<double>(r, xhat, rstd, w, g, b, grad, dx);
  const auto num_x = numeric_grad(x.data(), size_t(x.size()), f);
  CHECK(rel_error(num_x.data(), dx.data(), num_x.size()) < 1e-7);
  for (int t : {g, b}) {
    const TensorSpec& s = w.layout().tensors()[size_t(t)];
    const auto num = numeric_grad(w.flat().data() + s.offset, s.size(), f);
    CHECK(rel_error(num.data(), grad.flat().data() + s.offset, s.size()) < 1e-7);
  }
}

namespace {

// FFN input and parameter gradients against central differences, optionally
// with fixed dropout masks (the masks are part of the function).
void check_ffn(Activation act, bool dropout) {
  const Config cfg = small_config(act);
  Params<double> w = random_params(cfg, 11);
  const BlockIndex& B = w.layout().blocks[0];
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
    ffn_forward<double>(x, w, B, act, n, dropout, cache, y);
    return (y.array() * r.array()).sum();
  };
  f();
  Params<double> grad(w.layout_ptr());
  Mat<double> dx(n, cfg.d);
  ffn_backward<double>(r, x, w, B, act, n, dropout, cache, grad, dx);
  INFO((act == Activation::kRelu ? "relu" : "gelu") << (dropout ? " with dropout" : ""));
  const auto num_x = numeric_grad(x.data(), size_t(x.size()), f);
  CHECK(rel_error(num_x.data(), dx.data(), num_x.size()) < 1e-5);
  for (int t : {B.w1, B.b1, B.w2, B.b2}) {
    const TensorSpec& s = w.layout().tensors()[size_t(t)];
    const auto num = numeric_grad(w.flat().data() + s.offset, s.size(), f);
    INFO(s.name);
    CHECK(rel_error(num.data(), grad.flat().data() + s.offset, s.size()) < 1e-5);
  }
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

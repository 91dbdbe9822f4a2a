#include "model/attention.h"

#include <catch2/catch.hpp>

#include "gradcheck.h"

using namespace attnrec::model;
using namespace attnrec::model::test;

namespace {

Config attn_config(int heads) {
  Config c;
  c.num_items = 5;
  c.maxlen = 7;
  c.d = 8;
  c.blocks = 1;
  c.heads = heads;
  return c;
}

}  // namespace

TEST_CASE("attention backward matches finite differences (1, 2 and 4 heads)",
          "[attention][grad]") {
  for (int heads : {1, 2, 4}) {
    const Config cfg = attn_config(heads);
    Params<double> w = random_params(cfg, 100 + uint64_t(heads));
    const Block<double>& B = w.net().blocks[0];
    std::mt19937_64 rng(31);
    const int n = 6;
    Mat<double> h = random_mat(n, cfg.d, rng);
    const Mat<double> r = random_mat(n, cfg.d, rng);
    AttentionCache<double> cache;
    cache.reserve(cfg.maxlen, cfg.d, heads);
    Mat<double> y(n, cfg.d);
    auto f = [&] {
      attention_forward<double>(h, 0, B, heads, cache, y);
      return (y.array() * r.array()).sum();
    };
    f();
    Params<double> grad(w.layout_ptr());
    Mat<double> dh(n, cfg.d);
    attention_backward<double>(r, h, B, grad.mut().blocks[0], heads, cache, dh);
    INFO("heads " << heads);
    const auto num_h = numeric_grad(h.data(), size_t(h.size()), f);
    CHECK(rel_error(num_h.data(), dh.data(), num_h.size()) < 1e-5);
    BlockGrad<double>& X = w.mut().blocks[0];
    const Block<double>& G = grad.net().blocks[0];
    CHECK(check_tensor(X.wq, G.wq, f) < 1e-5);
    CHECK(check_tensor(X.bq, G.bq, f) < 1e-5);
    CHECK(check_tensor(X.wk, G.wk, f) < 1e-5);
    CHECK(check_tensor(X.wv, G.wv, f) < 1e-5);
    CHECK(check_tensor(X.bv, G.bv, f) < 1e-5);
    CHECK(check_tensor(X.wo, G.wo, f) < 1e-5);
    CHECK(check_tensor(X.bo, G.bo, f) < 1e-5);
    // bk gets an exactly zero gradient (softmax is shift-invariant per row).
    for (Eigen::Index i = 0; i < G.bk.size(); ++i) CHECK(std::abs(G.bk.data()[i]) < 1e-9);
  }
}

TEST_CASE("attention is causal: row i does not depend on later rows", "[attention]") {
  const Config cfg = attn_config(2);
  Params<double> w = random_params(cfg, 3);
  const Block<double>& B = w.net().blocks[0];
  std::mt19937_64 rng(5);
  const int n = 6;
  Mat<double> h = random_mat(n, cfg.d, rng);
  AttentionCache<double> cache;
  cache.reserve(cfg.maxlen, cfg.d, 2);
  Mat<double> y1(n, cfg.d), y2(n, cfg.d);
  attention_forward<double>(h, 0, B, 2, cache, y1);
  h.row(4) = random_mat(1, cfg.d, rng);
  attention_forward<double>(h, 0, B, 2, cache, y2);
  CHECK((y1.topRows(4) - y2.topRows(4)).norm() == 0.0);
  CHECK((y1.row(4) - y2.row(4)).norm() > 1e-6);
  // Attention probabilities: rows sum to 1, zero above the diagonal.
  for (int r = 0; r < n; ++r) {
    CHECK(cache.p[0].row(r).head(n).sum() == Approx(1.0));
    for (int c = r + 1; c < n; ++c) CHECK(cache.p[0](r, c) == 0.0);
  }
}

TEST_CASE("attention on the last query row only equals the full computation", "[attention]") {
  const Config cfg = attn_config(4);
  Params<double> w = random_params(cfg, 9);
  const Block<double>& B = w.net().blocks[0];
  std::mt19937_64 rng(6);
  const int n = 7;
  const Mat<double> h = random_mat(n, cfg.d, rng);
  AttentionCache<double> cache;
  cache.reserve(cfg.maxlen, cfg.d, 4);
  Mat<double> full(n, cfg.d), last(1, cfg.d);
  attention_forward<double>(h, 0, B, 4, cache, full);
  attention_forward<double>(h, n - 1, B, 4, cache, last);
  CHECK((full.row(n - 1) - last.row(0)).norm() < 1e-12);
}

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
    const BlockIndex& B = w.layout().blocks[0];
    std::mt19937_64 rng(31);
    const int n = 6;
    Mat<double> h = random_mat(n, cfg.d, rng);
    const Mat<double> r = random_mat(n, cfg.d, rng);
    AttentionCache<double> cache;
    cache.reserve(cfg.maxlen, cfg.d, heads);
    Mat<double> y(n, cfg.d);
    auto f = [&] {
      attention_forward<double>(h, 0, w, B, heads, cache, y);
      return (y.array() * r.array()).sum();
    };
    f();
    Params<double> grad(w.layout_ptr());
    Mat<double> dh(n, cfg.d);
    attention_backward<double>(r, h, w, B, heads, cache, grad, dh);
    INFO("heads " << heads);
    const auto num_h = numeric_grad(h.data(), size_t(h.size()), f);
    CHECK(rel_error(num_h.data(), dh.data(), num_h.size()) < 1e-5);
    for (int t : {B.wq, B.bq, B.wk, B.bk, B.wv, B.bv, B.wo, B.bo}) {
      const TensorSpec& s = w.layout().tensors()[size_t(t)];
      const auto num = numeric_grad(w.flat().data() + s.offset, s.size(), f);
      INFO(s.name);
      // bk gets an exactly zero gradient (softmax is shift-invariant per row).
      const double err = rel_error(num.data(), grad.flat().data() + s.offset, s.size());
      CHECK((err < 1e-5 || t == B.bk));
      if (t == B.bk) {
        for (size_t i = 0; i < s.size(); ++i) CHECK(std::abs(grad.flat()[s.offset + i]) < 1e-9);
      }
    }
  }
}

TEST_CASE("attention is causal: row i does not depend on later rows", "[attention]") {
  const Config cfg = attn_config(2);
  Params<double> w = random_params(cfg, 3);
  const BlockIndex& B = w.layout().blocks[0];
  std::mt19937_64 rng(5);
  const int n = 6;
  Mat<double> h = random_mat(n, cfg.d, rng);
  AttentionCache<double> cache;
  cache.reserve(cfg.maxlen, cfg.d, 2);
  Mat<double> y1(n, cfg.d), y2(n, cfg.d);
  attention_forward<double>(h, 0, w, B, 2, cache, y1);
  h.row(4) = random_mat(1, cfg.d, rng);
  attention_forward<double>(h, 0, w, B, 2, cache, y2);
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
  const BlockIndex& B = w.layout().blocks[0];
  std::mt19937_64 rng(6);
  const int n = 7;
  const Mat<double> h = random_mat(n, cfg.d, rng);
  AttentionCache<double> cache;
  cache.reserve(cfg.maxlen, cfg.d, 4);
  Mat<double> full(n, cfg.d), last(1, cfg.d);
  attention_forward<double>(h, 0, w, B, 4, cache, full);
  attention_forward<double>(h, n - 1, w, B, 4, cache, last);
  CHECK((full.row(n - 1) - last.row(0)).norm() < 1e-12);
}

#include "model/attention.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

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

// Masked dense attention written out loop by loop, as an independent
// reference: query i attends to keys j <= i, and j > i - window when
// window > 0.
Mat<double> naive_attention(const Mat<double>& h, const Block<double>& B, int heads, int window) {
  const Eigen::Index n = h.rows(), d = h.cols(), dh = d / heads;
  const Mat<double> q = (h * B.wq).rowwise() + B.bq.row(0);
  const Mat<double> k = (h * B.wk).rowwise() + B.bk.row(0);
  const Mat<double> v = (h * B.wv).rowwise() + B.bv.row(0);
  Mat<double> o = Mat<double>::Zero(n, d);
  for (int hd = 0; hd < heads; ++hd) {
    for (Eigen::Index i = 0; i < n; ++i) {
      std::vector<double> s(size_t(n), -INFINITY);
      double mx = -INFINITY, z = 0;
      for (Eigen::Index j = 0; j <= i; ++j) {
        if (window > 0 && j <= i - window) continue;
        double dot = 0;
        for (Eigen::Index c = hd * dh; c < (hd + 1) * dh; ++c) dot += q(i, c) * k(j, c);
        s[size_t(j)] = dot / std::sqrt(double(dh));
        mx = std::max(mx, s[size_t(j)]);
      }
      for (double& x : s) z += (x = std::exp(x - mx));
      for (Eigen::Index j = 0; j <= i; ++j) {
        const double p = s[size_t(j)] / z;
        for (Eigen::Index c = hd * dh; c < (hd + 1) * dh; ++c) o(i, c) += p * v(j, c);
      }
    }
  }
  return (o * B.wo).rowwise() + B.bo.row(0);
}

// Back-propagates `r` (the gradient of f = sum(y * r)) through the last
// attention_forward and compares d h and every weight's gradient with
// finite differences of f; bk's gradient is exactly zero (softmax is
// shift-invariant per row).
template <class F>
void check_attention_gradients(Params<double>& w, Mat<double>& h, const Mat<double>& r, int heads,
                               AttentionCache<double>& cache, F& f) {
  const Block<double>& B = w.net().blocks[0];
  Params<double> grad(w.layout_ptr());
  Mat<double> dh(h.rows(), h.cols());
  attention_backward<double>(r, h, B, grad.mut().blocks[0], heads, cache, dh);
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
  for (Eigen::Index i = 0; i < G.bk.size(); ++i) CHECK(std::abs(G.bk.data()[i]) < 1e-9);
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
      attention_forward<double>(h, 0, B, heads, 0, cache, y);
      return (y.array() * r.array()).sum();
    };
    f();
    INFO("heads " << heads);
    check_attention_gradients(w, h, r, heads, cache, f);
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
  attention_forward<double>(h, 0, B, 2, 0, cache, y1);
  h.row(4) = random_mat(1, cfg.d, rng);
  attention_forward<double>(h, 0, B, 2, 0, cache, y2);
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
  attention_forward<double>(h, 0, B, 4, 0, cache, full);
  attention_forward<double>(h, n - 1, B, 4, 0, cache, last);
  CHECK((full.row(n - 1) - last.row(0)).norm() < 1e-12);
}

TEST_CASE("one query row (K and V never formed) gives the full forward's last row and weights, "
          "1 to 4 heads, 1 to 7 rows", "[attention]") {
  for (const int heads : {1, 2, 4}) {
    const Config cfg = attn_config(heads);
    Params<double> w = random_params(cfg, 21);
    const Block<double>& B = w.net().blocks[0];
    std::mt19937_64 rng(22);
    for (const int n : {1, 2, 7}) {
      INFO("heads " << heads << " rows " << n);
      const Mat<double> h = random_mat(n, cfg.d, rng);
      AttentionCache<double> cache;
      cache.reserve(cfg.maxlen, cfg.d, heads);
      Mat<double> full(n, cfg.d), last(1, cfg.d);
      attention_forward<double>(h, 0, B, heads, 0, cache, full);
      std::vector<std::vector<double>> want(size_t(heads), std::vector<double>(size_t(n), 0.0));
      for (int hd = 0; hd < heads; ++hd) attention_weights<double>(cache, hd, n - 1, want[size_t(hd)]);
      attention_forward<double>(h, n - 1, B, heads, 0, cache, last);
      CHECK((full.row(n - 1) - last.row(0)).norm() < 1e-12 * (1 + full.row(n - 1).norm()));
      std::vector<double> got(size_t(n), 0.0);
      for (int hd = 0; hd < heads; ++hd) {
        attention_weights<double>(cache, hd, n - 1, got);
        for (int j = 0; j < n; ++j) CHECK(got[size_t(j)] == Approx(want[size_t(hd)][size_t(j)]).margin(1e-12));
      }
    }
  }
}

TEST_CASE("local attention backward matches finite differences (W 1, 2, 4, n, > n, with 1 and "
          "2 heads)", "[attention][grad]") {
  const int n = 6;
  for (int heads : {1, 2}) {
    for (int window : {1, 2, 4, n, n + 3}) {
      const Config cfg = attn_config(heads);
      Params<double> w = random_params(cfg, 200 + uint64_t(heads * 10 + window));
      const Block<double>& B = w.net().blocks[0];
      std::mt19937_64 rng(37);
      Mat<double> h = random_mat(n, cfg.d, rng);
      const Mat<double> r = random_mat(n, cfg.d, rng);
      AttentionCache<double> cache;
      cache.reserve(cfg.maxlen, cfg.d, heads, window);  // the band-sized buffers
      Mat<double> y(n, cfg.d);
      auto f = [&] {
        attention_forward<double>(h, 0, B, heads, window, cache, y);
        return (y.array() * r.array()).sum();
      };
      f();
      INFO("heads " << heads << ", window " << window);
      check_attention_gradients(w, h, r, heads, cache, f);
    }
  }
}

TEST_CASE("local attention equals masked dense attention, for every query row and the last only",
          "[attention]") {
  const int n = 7;
  for (int heads : {1, 2}) {
    for (int window : {1, 2, 3, 6}) {
      const Config cfg = attn_config(heads);
      Params<double> w = random_params(cfg, 300 + uint64_t(window));
      const Block<double>& B = w.net().blocks[0];
      std::mt19937_64 rng(8);
      const Mat<double> h = random_mat(n, cfg.d, rng);
      const Mat<double> ref = naive_attention(h, B, heads, window);
      AttentionCache<double> cache;
      cache.reserve(cfg.maxlen, cfg.d, heads, window);
      Mat<double> y(n, cfg.d), last(1, cfg.d);
      INFO("heads " << heads << ", window " << window);
      attention_forward<double>(h, 0, B, heads, window, cache, y);
      CHECK((y - ref).norm() < 1e-12 * ref.norm());
      attention_forward<double>(h, n - 1, B, heads, window, cache, last);
      CHECK((last.row(0) - ref.row(n - 1)).norm() < 1e-12 * ref.row(n - 1).norm());
    }
  }
}

TEST_CASE("local attention with a window of at least the sequence length is full attention, bit "
          "for bit", "[attention]") {
  const Config cfg = attn_config(2);
  Params<double> w = random_params(cfg, 12);
  const Block<double>& B = w.net().blocks[0];
  std::mt19937_64 rng(13);
  const int n = 6;
  const Mat<double> h = random_mat(n, cfg.d, rng);
  AttentionCache<double> cache;
  cache.reserve(cfg.maxlen, cfg.d, 2);
  Mat<double> full(n, cfg.d), local(n, cfg.d), full_last(1, cfg.d), local_last(1, cfg.d);
  attention_forward<double>(h, 0, B, 2, 0, cache, full);
  attention_forward<double>(h, n - 1, B, 2, 0, cache, full_last);
  for (int window : {n, n + 1, cfg.maxlen, 1000}) {
    INFO("window " << window);
    attention_forward<double>(h, 0, B, 2, window, cache, local);
    CHECK(local == full);
    attention_forward<double>(h, n - 1, B, 2, window, cache, local_last);
    CHECK(local_last == full_last);
  }
}

TEST_CASE("local attention: row i depends only on rows i-W+1..i, and its weights lie there and sum "
          "to 1", "[attention]") {
  const Config cfg = attn_config(2);
  Params<double> w = random_params(cfg, 14);
  const Block<double>& B = w.net().blocks[0];
  std::mt19937_64 rng(15);
  const int n = 7, window = 3;
  Mat<double> h = random_mat(n, cfg.d, rng);
  AttentionCache<double> cache;
  cache.reserve(cfg.maxlen, cfg.d, 2, window);
  Mat<double> y1(n, cfg.d), y2(n, cfg.d);
  attention_forward<double>(h, 0, B, 2, window, cache, y1);
  for (int hd = 0; hd < 2; ++hd) {
    for (int r = 0; r < n; ++r) {
      std::vector<double> wts(static_cast<size_t>(n));
      attention_weights<double>(cache, hd, r, wts);
      double sum = 0;
      for (int j = 0; j < n; ++j) {
        INFO("head " << hd << ", row " << r << ", key " << j);
        const bool inside = j <= r && j > r - window;
        if (inside) CHECK(wts[size_t(j)] > 0.0);
        else CHECK(wts[size_t(j)] == 0.0);
        sum += wts[size_t(j)];
      }
      CHECK(sum == Approx(1.0));
    }
  }
  h.row(2) = random_mat(1, cfg.d, rng);  // seen by rows 2, 3, 4 only
  attention_forward<double>(h, 0, B, 2, window, cache, y2);
  CHECK((y1.topRows(2) - y2.topRows(2)).norm() == 0.0);
  for (int r = 2; r <= 4; ++r) CHECK((y1.row(r) - y2.row(r)).norm() > 1e-6);
  CHECK((y1.bottomRows(2) - y2.bottomRows(2)).norm() == 0.0);
}

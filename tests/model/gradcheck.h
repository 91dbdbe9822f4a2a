// Finite-difference helpers for the gradient tests (double precision).
#pragma once

#include <cmath>
#include <algorithm>
#include <cstddef>
#include <random>
#include <vector>

#include "model/params.h"
#include "model/tensor.h"

namespace attnrec::model::test {

// Central difference of f() with respect to each of the `count` values at x.
template <class F>
std::vector<double> numeric_grad(double* x, size_t count, F&& f, double h = 1e-6) {
  std::vector<double> g(count);
  for (size_t i = 0; i < count; ++i) {
    const double keep = x[i];
    x[i] = keep + h;
    const double up = f();
    x[i] = keep - h;
    const double down = f();
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

// ||a - b|| / max(||a||, ||b||): the relative error of a whole tensor.
inline double rel_error(const double* a, const double* b, size_t n) {
  double diff = 0, na = 0, nb = 0;
  for (size_t i = 0; i < n; ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const double scale = std::max(std::sqrt(na), std::sqrt(nb));
  return scale == 0 ? 0 : std::sqrt(diff) / scale;
}

inline Mat<double> random_mat(int rows, int cols, std::mt19937_64& rng, double sd = 1.0) {
  std::normal_distribution<double> dist(0, sd);
  Mat<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = dist(rng);
  return m;
}

// Random weights with non-trivial LayerNorm gains/biases (so their gradients
// are exercised) and a non-zero padding row kept at zero.
inline Params<double> random_params(const Config& cfg, uint64_t seed) {
  Params<double> w(std::make_shared<Layout>(cfg));
  w.init(seed);
  std::mt19937_64 rng(seed + 1);
  std::normal_distribution<double> dist(0, 0.3);
  for (const TensorSpec& s : w.layout().tensors()) {
    if (s.rows == 1) {
      for (size_t i = 0; i < s.size(); ++i) w.flat()[s.offset + i] += dist(rng);
    }
  }
  return w;
}

// Relative error of the analytic gradient `g` of f() w.r.t. the weights
// viewed by `x` (a writable view into the Params that f() reads), against
// central differences.
template <class F>
double check_tensor(MatMap<double>& x, const CMatMap<double>& g, F&& f) {
  const auto num = numeric_grad(x.data(), size_t(x.size()), f);
  return rel_error(num.data(), g.data(), num.size());
}

// Checks every tensor of the analytic gradient `g` of f() w.r.t. `w` against
// central differences; returns the worst relative error and its tensor name.
template <class F>
std::pair<double, std::string> check_params(Params<double>& w, const Params<double>& g, F&& f) {
  double worst = 0;
  std::string name;
  for (const TensorSpec& s : w.layout().tensors()) {
    const auto num = numeric_grad(w.flat().data() + s.offset, s.size(), f);
    double e = rel_error(num.data(), g.flat().data() + s.offset, s.size());
    // Some gradients are exactly zero in theory (the key bias: softmax is
    // shift-invariant per row); then both sides must just be tiny.
    double norm = 0;
    for (size_t i = 0; i < s.size(); ++i) norm = std::max({norm, std::abs(num[i]), std::abs(g.flat()[s.offset + i])});
    if (norm < 1e-7) e = 0;
    if (e > worst) { worst = e; name = s.name; }
  }
  return {worst, name};
}

}  // namespace attnrec::model::test

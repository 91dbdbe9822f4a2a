#include "model/adam.h"

#include <cassert>
#include <cmath>

namespace attnrec::model {

Adam::Adam(size_t size, float beta1, float beta2, float weight_decay, float eps)
    : m_(size, 0.0f), v_(size, 0.0f), beta1_(beta1), beta2_(beta2), wd_(weight_decay), eps_(eps) {}

void Adam::step(std::span<float> w, std::span<const float> g, float lr, const LazyRows* lazy) {
  assert(w.size() == m_.size() && g.size() == m_.size());
  ++t_;
  const float c1 = 1.0f - float(std::pow(double(beta1_), double(t_)));
  const float c2 = 1.0f - float(std::pow(double(beta2_), double(t_)));
  const float step = lr / c1;
  const float rc2 = 1.0f / std::sqrt(c2);
  const float b1 = beta1_, b2 = beta2_, wd = wd_, eps = eps_;
  float* __restrict m = m_.data();
  float* __restrict v = v_.data();
  float* __restrict p = w.data();
  const float* __restrict d = g.data();
  auto update = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      m[i] = b1 * m[i] + (1.0f - b1) * d[i];
      v[i] = b2 * v[i] + (1.0f - b2) * d[i] * d[i];
      p[i] -= step * m[i] / (std::sqrt(v[i]) * rc2 + eps) + lr * wd * p[i];
    }
  };
  if (lazy == nullptr) {
    update(0, m_.size());
    return;
  }
  assert(lazy->offset + lazy->rows * lazy->width <= m_.size());
  update(0, lazy->offset);
  for (int32_t r : lazy->touched) {
    const size_t begin = lazy->offset + size_t(r) * lazy->width;
    update(begin, begin + lazy->width);
  }
  update(lazy->offset + lazy->rows * lazy->width, m_.size());
}

}  // namespace attnrec::model

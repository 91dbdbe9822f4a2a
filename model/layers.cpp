#include "model/layers.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace attnrec::model {

template <class T>
void layernorm_forward(CRef<T> x, const CMatMap<T>& g, const CMatMap<T>& b, T eps,
                       MRef<T> y, MRef<T> xhat, Eigen::Ref<ColVec<T>> rstd) {
  const auto gain = g.row(0).array();                                          // [1, d]
  const auto bias = b.row(0).array();                                          // [1, d]
  const T inv_d = T(1) / T(x.cols());
  // One row at a time: the row stays in L1 across its three passes.
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const T mean = x.row(i).sum() * inv_d;                                     // [1]
    xhat.row(i).array() = x.row(i).array() - mean;                             // [1, d]
    const T r = T(1) / std::sqrt(xhat.row(i).squaredNorm() * inv_d + eps);     // [1]
    rstd(i) = r;
    xhat.row(i) *= r;                                                          // [1, d]
    y.row(i).array() = xhat.row(i).array() * gain + bias;                      // [1, d]
  }
}

template <class T>
void layernorm_backward(CRef<T> dy, CRef<T> xhat, const Eigen::Ref<const ColVec<T>>& rstd,
                        const CMatMap<T>& g, MatMap<T>& dg, MatMap<T>& db, MRef<T> dx) {
  const auto gain = g.row(0).array();                                           // [1, d]
  dg.row(0).array() += (dy.array() * xhat.array()).colwise().sum();             // [1, d]
  db.row(0) += dy.colwise().sum();                                              // [1, d]
  // dxhat = dy * g;  dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
  const Mat<T> dxhat = (dy.array().rowwise() * gain).matrix();                  // [n, d]
  const ColVec<T> m1 = dxhat.rowwise().mean();                                  // [n]
  const ColVec<T> m2 = (dxhat.array() * xhat.array()).rowwise().mean();         // [n]
  dx.array() += ((dxhat.colwise() - m1).array() - xhat.array().colwise() * m2.array())
                    .colwise() * rstd.array();
}

template <class T>
void FfnCache<T>::reserve(int rows, int d, int f, bool backward) {
  z1.resize(rows, f);
  if (!backward) return;
  a1.resize(rows, f);
  mask1.resize(rows, f);
  mask2.resize(rows, d);
  dz1.resize(rows, f);
  dz2.resize(rows, d);
}

namespace {

// GELU, tanh approximation (as in BERT / gSASRec).
constexpr double kGeluC = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kGeluA = 0.044715;

template <class T>
T gelu(T x) {
  return T(0.5) * x * (T(1) + std::tanh(T(kGeluC) * (x + T(kGeluA) * x * x * x)));
}
template <class T>
T gelu_grad(T x) {
  const T t = std::tanh(T(kGeluC) * (x + T(kGeluA) * x * x * x));
  return T(0.5) * (T(1) + t) +
         T(0.5) * x * (T(1) - t * t) * T(kGeluC) * (T(1) + T(3 * kGeluA) * x * x);
}

}  // namespace

template <class T>
void ffn_forward(CRef<T> x, const Block<T>& B, Activation act, int n, bool dropout,
                 FfnCache<T>& c, MRef<T> y) {
  assert(c.a1.rows() > 0 || !dropout);
  auto z1 = c.z1.topRows(n);
  auto a1 = c.a1.rows() > 0 ? c.a1.topRows(n) : c.z1.topRows(n);  // in place without backward
  // Bias first, product accumulated onto it: Eigen's `=` of a GEMM would
  // zero the destination first and the bias would be a third pass.
  fill_rows(z1, B.b1.row(0));                                      // [n, f]
  z1.noalias() += x * B.w1;                                        // [n, f] += [n, d] x [d, f]
  if (act == Activation::kRelu) {
    a1 = z1.cwiseMax(T(0));                                        // [n, f]
  } else {
    a1 = z1.unaryExpr([](T v) { return gelu(v); });                // [n, f]
  }
  if (dropout) a1.array() *= c.mask1.topRows(n).array();           // [n, f]
  fill_rows(y, B.b2.row(0));                                       // [n, d]
  y.noalias() += a1 * B.w2;                                        // [n, d] += [n, f] x [f, d]
  if (dropout) y.array() *= c.mask2.topRows(n).array();            // [n, d]
}

template <class T>
void ffn_backward(CRef<T> dy, CRef<T> x, const Block<T>& B, BlockGrad<T>& dB, Activation act,
                  int n, bool dropout, FfnCache<T>& c, MRef<T> dx) {
  auto dz2 = c.dz2.topRows(n);
  auto dz1 = c.dz1.topRows(n);
  dz2 = dy;
  if (dropout) dz2.array() *= c.mask2.topRows(n).array();
  dB.w2.noalias() += c.a1.topRows(n).transpose() * dz2;           // [f, d] = [f, n] x [n, d]
  dB.b2.row(0) += dz2.colwise().sum();
  dz1.noalias() = dz2 * B.w2.transpose();                          // [n, f] = [n, d] x [d, f]
  if (dropout) dz1.array() *= c.mask1.topRows(n).array();
  const auto z1 = c.z1.topRows(n);
  if (act == Activation::kRelu) {
    dz1 = (z1.array() > T(0)).select(dz1, T(0));
  } else {
    dz1.array() *= z1.unaryExpr([](T v) { return gelu_grad(v); }).array();
  }
  dB.w1.noalias() += x.transpose() * dz1;                          // [d, f] = [d, n] x [n, f]
  dB.b1.row(0) += dz1.colwise().sum();
  dx.noalias() = dz1 * B.w1.transpose();                           // [n, d] = [n, f] x [f, d]
}

template <class T>
void dropout_mask(MRef<T> mask, float p, Rng& rng) {
  // 8 random bits per element (p is rounded to a multiple of 1/256), 8
  // elements per draw: mask generation is a visible share of an epoch. The
  // bytes of each draw go to a buffer first (little-endian order, byte k =
  // bits k*8..k*8+7), so that the compare-and-select loop vectorises.
  const uint32_t threshold = uint32_t(double(p) * 256.0 + 0.5);
  const T keep = T(256) / T(256 - threshold);
  constexpr Eigen::Index kChunk = 64;
  alignas(64) uint8_t bytes[kChunk];
  for (Eigen::Index r = 0; r < mask.rows(); ++r) {
    T* row = &mask(r, 0);
    for (Eigen::Index c0 = 0; c0 < mask.cols(); c0 += kChunk) {
      const Eigen::Index len = std::min(kChunk, mask.cols() - c0);
      for (Eigen::Index k = 0; k < len; k += 8) {
        const uint64_t bits = rng.next();
        std::memcpy(bytes + k, &bits, sizeof bits);
      }
      for (Eigen::Index k = 0; k < len; ++k) row[c0 + k] = bytes[k] < threshold ? T(0) : keep;
    }
  }
}

#define ATTNREC_INSTANTIATE(T)                                                                   \
  template void layernorm_forward<T>(CRef<T>, const CMatMap<T>&, const CMatMap<T>&, T, MRef<T>, \
                                     MRef<T>, Eigen::Ref<ColVec<T>>);                            \
  template void layernorm_backward<T>(CRef<T>, CRef<T>, const Eigen::Ref<const ColVec<T>>&,     \
                                      const CMatMap<T>&, MatMap<T>&, MatMap<T>&, MRef<T>);       \
  template struct FfnCache<T>;                                                                   \
  template void ffn_forward<T>(CRef<T>, const Block<T>&, Activation, int, bool, FfnCache<T>&,   \
                               MRef<T>);                                                         \
  template void ffn_backward<T>(CRef<T>, CRef<T>, const Block<T>&, BlockGrad<T>&, Activation,   \
                                int, bool, FfnCache<T>&, MRef<T>);                               \
  template void dropout_mask<T>(MRef<T>, float, Rng&);
ATTNREC_INSTANTIATE(float)
ATTNREC_INSTANTIATE(double)
#undef ATTNREC_INSTANTIATE

}  // namespace attnrec::model

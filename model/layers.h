// Point-wise layers of a SASRec block, each forward next to its backward:
// LayerNorm (per row), the feed-forward network (Linear -> ReLU/GELU ->
// dropout -> Linear -> dropout) and dropout masks. Templated on the scalar
// so that double-precision finite-difference tests run the same code as float
// training. All matrices are row-major [rows = positions, cols = features].
// A layer takes the weights it uses as views into a Params (params.h): the
// LayerNorm its gain and bias, the feed-forward network its block.
//
// Conventions: parameter gradients ACCUMULATE (+=) into the gradient views
// (dg, db, dB); input gradients are documented per function. Dropout masks
// hold 0 or 1/(1-p); a mask with zero rows means "no dropout".
#pragma once

#include "base/random.h"
#include "model/config.h"
#include "model/params.h"
#include "model/tensor.h"

namespace attnrec::model {

// ---- LayerNorm: y = (x - mean) / sqrt(var + eps) * g + b, per row ----------
// g, b: [1, d]; x, y, xhat: [n, d]; rstd: [n] (1 / sqrt(var + eps)).
// y and xhat may be the same buffer when no backward follows (inference).
template <class T>
void layernorm_forward(CRef<T> x, const CMatMap<T>& g, const CMatMap<T>& b, T eps,
                       MRef<T> y, MRef<T> xhat, Eigen::Ref<ColVec<T>> rstd);
// dx += dL/dx (so the residual path can pass its own gradient in dx).
template <class T>
void layernorm_backward(CRef<T> dy, CRef<T> xhat, const Eigen::Ref<const ColVec<T>>& rstd,
                        const CMatMap<T>& g, MatMap<T>& dg, MatMap<T>& db, MRef<T> dx);

// ---- Feed-forward: y = drop2(drop1(act(x W1 + b1)) W2 + b2) ---------------
// Uses B.w1 [d, f], B.b1 [1, f], B.w2 [f, d], B.b2 [1, d].
template <class T>
struct FfnCache {
  Mat<T> z1;     // [n, f] pre-activation
  Mat<T> a1;     // [n, f] activation after dropout; empty: computed in place in z1
  Mat<T> mask1;  // [n, f] or empty
  Mat<T> mask2;  // [n, d] or empty
  Mat<T> dz1;    // [n, f] scratch for backward
  Mat<T> dz2;    // [n, d] scratch for backward
  // Without `backward` only z1 is allocated (no a1, masks or scratch): a
  // forward without dropout then overwrites z1 with the activation.
  void reserve(int rows, int d, int f, bool backward = true);
};

template <class T>
void ffn_forward(CRef<T> x, const Block<T>& B, Activation act, int n, bool dropout,
                 FfnCache<T>& c, MRef<T> y);
// dx = dL/dx (assigned).
template <class T>
void ffn_backward(CRef<T> dy, CRef<T> x, const Block<T>& B, BlockGrad<T>& dB, Activation act,
                  int n, bool dropout, FfnCache<T>& c, MRef<T> dx);

// ---- Dropout ---------------------------------------------------------------
// Fills mask with 0 (probability p, rounded to 1/256) or 1/(1-p).
template <class T>
void dropout_mask(MRef<T> mask, float p, Rng& rng);

}  // namespace attnrec::model

// Causal multi-head scaled dot-product self-attention with its Q/K/V/output
// projections, forward next to backward. Every matrix is row-major
// (tensor.h). Input h: [n, d], one row per position, oldest first, no
// padding rows (padding costs nothing).
// Query row i attends to key rows 0..i only. Uses the block's projections
// B.wq, B.wk, B.wv, B.wo [d, d] and biases B.bq, B.bk, B.bv, B.bo [1, d].
//
// `q0` lets inference compute only the query rows q0..n-1 (the last block of
// the encoder needs just the last row); training uses q0 = 0. Backward
// requires q0 = 0.
#pragma once

#include <vector>

#include "model/params.h"
#include "model/tensor.h"

namespace attnrec::model {

template <class T>
struct AttentionCache {
  Mat<T> q, k, v;         // [n, d] projections (q: rows q0..n-1 only)
  Mat<T> o;               // [n, d] concatenated head outputs
  std::vector<Mat<T>> p;  // per head [m, n] attention probabilities (row-major)
  // scratch for backward
  Mat<T> dq, dk, dv, dout;
  Mat<T> dp;              // [n, n]
  void reserve(int maxlen, int d, int heads);
};

// y = MHA(h)[q0:]: [n - q0, d]. Keeps what backward needs in `c`.
template <class T>
void attention_forward(CRef<T> h, int q0, const Block<T>& B, int heads, AttentionCache<T>& c,
                       MRef<T> y);

// dh = dL/dh (assigned); parameter gradients accumulate into dB.
template <class T>
void attention_backward(CRef<T> dy, CRef<T> h, const Block<T>& B, BlockGrad<T>& dB, int heads,
                        AttentionCache<T>& c, MRef<T> dh);

}  // namespace attnrec::model

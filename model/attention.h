// Causal multi-head scaled dot-product self-attention with its Q/K/V/output
// projections, forward next to backward. Every matrix is row-major
// (tensor.h). Input h: [n, d], one row per position, oldest first, no
// padding rows (padding costs nothing). Uses the block's projections
// B.wq, B.wk, B.wv, B.wo [d, d] and biases B.bq, B.bk, B.bv, B.bo [1, d].
//
// `window` selects the keys of query row i (Config::attention_window()):
//   0       full causal attention: keys 0..i; O(n^2 d).
//   W >= 1  local attention: keys max(0, i - W + 1)..i, the W most recent
//           rows including i itself; O(n W d). Scores outside the window
//           are never computed. When W >= n every window reaches row 0 and
//           the full kernel runs: the result is then bit-identical to
//           window 0.
//
// `q0` lets inference compute only the query rows q0..n-1 (the last block of
// the encoder needs just the last row); training uses q0 = 0. Backward
// requires q0 = 0 and the window of the forward it follows.
#pragma once

#include <span>
#include <vector>

#include "model/params.h"
#include "model/tensor.h"

namespace attnrec::model {

template <class T>
struct AttentionCache {
  Mat<T> q, k, v;         // [n, d] projections (q: rows q0..n-1 only; k, v
                          // not formed by a one-query-row full-attention forward)
  Mat<T> o;               // [n, d] concatenated head outputs
  RowVec<T> qk, ph;       // [1, d] scratch of a one-query-row forward
  // Per head attention probabilities of query rows q0..n-1, row-major:
  //   band == 0: [m, n], p(r, j) = weight of query q0 + r on key j (0 above
  //              the diagonal);
  //   band == W: [m, W], p(r, t) = weight of query i = q0 + r on key
  //              i - W + 1 + t (t = W - 1 is i itself; 0 where that key < 0).
  // Read them with attention_weights() rather than by hand.
  std::vector<Mat<T>> p;
  int band = 0;           // layout of p in the last forward (0 = dense)
  Eigen::Index n = 0, q0 = 0;  // shape of the last forward
  // scratch for backward
  Mat<T> dq, dk, dv, dout;
  Mat<T> dp;              // same shape as p[head]
  // Local kernels' scratch: one block's scores (weights in backward) and
  // their gradient, [Bq, Bq + W - 1] (attention.cpp: local_block_rows).
  Mat<T> blk, dblk;
  // Sizes the buffers for up to maxlen rows, of which up to query_rows are
  // query rows (maxlen when < 0; 1 for the last block of a last_only
  // forward); `window` as in attention_forward (a local cache holds
  // [query_rows, min(W, maxlen)] per head). Without `backward` the backward
  // scratch stays empty.
  void reserve(int maxlen, int d, int heads, int window = 0, int query_rows = -1,
               bool backward = true);
};

// y = MHA(h)[q0:]: [n - q0, d]. Keeps what backward needs in `c`.
template <class T>
void attention_forward(CRef<T> h, int q0, const Block<T>& B, int heads, int window,
                       AttentionCache<T>& c, MRef<T> y);

// dh = dL/dh (assigned); parameter gradients accumulate into dB.
template <class T>
void attention_backward(CRef<T> dy, CRef<T> h, const Block<T>& B, BlockGrad<T>& dB, int heads,
                        AttentionCache<T>& c, MRef<T> dh);

// Weights of query row `row` (q0 <= row < n) of the last forward on every
// key row 0..n-1, for one head: out.size() == n, zero outside the window,
// summing to 1.
template <class T>
void attention_weights(const AttentionCache<T>& c, int head, Eigen::Index row, std::span<T> out);

}  // namespace attnrec::model

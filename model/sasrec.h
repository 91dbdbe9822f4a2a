// The SASRec encoder (Kang & McAuley, ICDM 2018), pre-LayerNorm variant:
//
//   x = dropout(sqrt(d) * E[item] + P[pos])                 [n, d]
//   per block:  x = x + dropout(MHA_causal(LN1(x)))          [n, d]
//               (full, or local over the last W positions: Config::attention)
//               x = x + FFN(LN2(x))       (dropout inside)   [n, d]
//   out = LN_final(x)                                        [n, d]
//
// A history is fed WITHOUT padding: its last n <= L items occupy positions
// L-n..L-1 (the most recent item always has position L-1, as with the
// reference's left padding), so padding costs nothing anywhere. The score of
// item j after position i is dot(out[i], E[j]) (tied embeddings).
//
// Every matrix is row-major (tensor.h), one row per position. Workspace<T>
// owns every activation buffer, sized once for L; a Workspace is used by one
// thread at a time. Forward and backward are templated on the scalar:
// training uses float, the gradient tests double.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/random.h"
#include "model/attention.h"
#include "model/layers.h"
#include "model/params.h"

namespace attnrec::model {

template <class T>
struct BlockCache {
  // xhat1, xhat2, mask_a: kTrain only. Rows of a, h2, f, rstd2: query rows.
  Mat<T> xhat1, h1;      // [n, d] LN1 normalised input / output
  ColVec<T> rstd1;       // [n]
  AttentionCache<T> att;
  Mat<T> a;              // [n, d] attention output after dropout
  Mat<T> mask_a;         // [n, d]
  Mat<T> xhat2, h2;      // [n, d] LN2
  ColVec<T> rstd2;
  FfnCache<T> ffn;
  Mat<T> f;              // [n, d] FFN output
};

// One block over the residual stream x ([rows, d]) into x_out ([m, d] with
// m = rows - q0: the result's rows q0..rows-1):
//   x_mid = x[q0:] + dropout(MHA_causal(LN1(x))[q0:])
//   x_out = x_mid + FFN(LN2(x_mid))
// `rng` non-null enables dropout. Keeps what backward needs in `c`.
template <class T>
void block_forward(const Block<T>& B, const Config& cfg, CRef<T> x, int q0, Rng* rng,
                   BlockCache<T>& c, MRef<T> x_out);

// Back-propagates through the block's last forward (q0 = 0, n = dx.rows());
// dx holds dL/dx_out on entry and dL/dx on return; dh, da are [n, d] scratch.
// Parameter gradients accumulate into dB.
template <class T>
void block_backward(const Block<T>& B, BlockGrad<T>& dB, const Config& cfg, bool dropout,
                    BlockCache<T>& c, MRef<T> dx, MRef<T> dh, MRef<T> da);

// What a Workspace is sized for. Inference needs no backward scratch, no
// dropout masks and no LayerNorm xhat (written over the LN output), and the
// last block of a last_only forward only one query row.
enum class Pass {
  kTrain,      // any forward, then backward: every buffer
  kInference,  // forwards without dropout or backward (explain: every row)
  kLastOnly,   // forward(..., last_only = true) without dropout: serving
};

template <class T>
struct Workspace {
  explicit Workspace(const Config& config, Pass pass = Pass::kTrain);
  // Bytes of every buffer held (reported in the commit introducing Pass).
  size_t bytes() const;

  Pass pass;
  int n = 0;                      // rows of the current sequence
  int q0_last = 0;                // first query row computed in the last block
  bool dropout = false;           // masks are active for this forward
  std::vector<int32_t> items;     // [n] current input items
  Mat<T> mask_emb;                // [n, d] (kTrain only)
  std::vector<Mat<T>> stream;     // blocks + 1 residual streams, [n, d] each ([1, d] last of kLastOnly)
  std::vector<BlockCache<T>> blocks;
  Mat<T> xhatf;                   // [n, d] final LN (kTrain only)
  ColVec<T> rstdf;
  Mat<T> out;                     // [n, d] encoder output (rows q0_last.. valid; [1, d] kLastOnly)
  Mat<T> dx, dh, da;              // [n, d] backward scratch (kTrain only)
};

// Runs the encoder over `items` (1..N, at most L of them, oldest first).
// `rng` non-null enables dropout (training; needs a kTrain workspace; a
// kLastOnly one needs last_only). `last_only` computes only the
// output row of the last position (inference); the result is then
// ws.out.row(0) and backward is not allowed. With local attention (window
// W) last_only also skips the items the last row cannot see: all but the
// last blocks * (W - 1) + 1 (ws.n counts the items kept).
template <class T>
void forward(const Params<T>& W, std::span<const int32_t> items, Workspace<T>& ws, Rng* rng,
             bool last_only = false);

// Back-propagates d_out ([n, d], gradient w.r.t. ws.out) through the last
// forward (which must not be last_only); accumulates into G.
template <class T>
void backward(const Params<T>& W, Workspace<T>& ws, CRef<T> d_out, Params<T>& G);

}  // namespace attnrec::model

#include "model/attention.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace attnrec::model {

namespace {

// Query rows per block of the local kernels: a block's scores against the
// keys its rows see are one [Bq, Bq + W - 1] product instead of Bq one-row
// products (at most (Bq + W - 1) / W times the band's multiply-adds, at
// matrix-product speed).
Eigen::Index local_block_rows(Eigen::Index W) { return std::clamp<Eigen::Index>(W, 16, 64); }

}  // namespace

template <class T>
void AttentionCache<T>::reserve(int maxlen, int d, int heads, int window, int query_rows,
                                bool backward) {
  // A local cache only ever holds [m, W] bands, or [n, n] with n <= W.
  const int cols = window >= 1 ? std::min(window, maxlen) : maxlen;
  const int m = query_rows < 0 ? maxlen : std::min(query_rows, maxlen);
  for (Mat<T>* x : {&k, &v}) x->resize(maxlen, d);
  for (Mat<T>* x : {&q, &o}) x->resize(m, d);
  qk.resize(d);
  ph.resize(d);
  p.assign(size_t(heads), Mat<T>(m, cols));
  // A local kernel's block: up to Bq query rows against Bq + W - 1 keys.
  // (The local kernel runs only for W < n <= maxlen.)
  const int bq = window >= 1 ? int(local_block_rows(window)) : 0;
  if (window >= 1) blk.resize(std::min(bq, m), bq + cols - 1);
  if (backward) {
    for (Mat<T>* x : {&dq, &dk, &dv, &dout}) x->resize(maxlen, d);
    dp.resize(maxlen, cols);
    if (window >= 1) {
      blk.resize(std::min(bq, maxlen), bq + cols - 1);
      dblk.resize(std::min(bq, maxlen), bq + cols - 1);
    }
  }
}

namespace {

// Softmax of row r over columns 0..last (inclusive), zeros after: the causal mask.
template <class T, class Row>
void causal_softmax_row(Row row, Eigen::Index last) {
  auto head = row.head(last + 1);
  const T mx = head.maxCoeff();
  head = (head.array() - mx).exp();
  head /= head.sum();
  row.tail(row.size() - last - 1).setZero();
}

// Softmax of a window's scores, in place.
template <class T, class Seg>
void softmax_inplace(Seg s) {
  const T mx = s.maxCoeff();
  s = (s.array() - mx).exp();
  s /= s.sum();
}

// Local attention of one head (see attention.h), query rows q0..n-1 into Oh,
// probabilities into the band P ([m, W]); S is [Bq, Bq + W - 1] scratch.
// A block of query rows i0..i1 touches only the keys lo0..i1 (lo0 =
// max(0, i0 - W + 1)), each row's scores outside its own window zeroed
// after the product: O(m (Bq + W) dh).
template <class T, class PM, class QM, class KM, class OM>
void local_head_forward(const QM& Qh, const KM& Kh, const KM& Vh, Eigen::Index q0,
                        Eigen::Index W, Mat<T>& S, PM& P, OM& Oh) {
  const Eigen::Index m = Qh.rows(), Bq = local_block_rows(W);
  for (Eigen::Index r0 = 0; r0 < m; r0 += Bq) {
    const Eigen::Index b = std::min(Bq, m - r0), i0 = q0 + r0, i1 = i0 + b - 1;
    const Eigen::Index lo0 = std::max<Eigen::Index>(0, i0 - W + 1), w = i1 - lo0 + 1;
    auto Sb = S.topLeftCorner(b, w);                                          // keys lo0..i1
    Sb.noalias() = Qh.middleRows(r0, b) * Kh.middleRows(lo0, w).transpose();  // [b, w] = [b, dh] x [dh, w]
    for (Eigen::Index t = 0; t < b; ++t) {
      const Eigen::Index i = i0 + t, lo = std::max<Eigen::Index>(0, i - W + 1);
      const Eigen::Index c0 = lo - lo0, cw = i - lo + 1;  // row i's keys lo..i in Sb's columns
      auto row = Sb.row(t);
      row.head(c0).setZero();
      row.tail(w - c0 - cw).setZero();
      softmax_inplace<T>(row.segment(c0, cw));
      auto band = P.row(r0 + t).head(W);                  // key i - W + 1 + t
      band.head(W - cw).setZero();                        // keys before row 0
      band.tail(cw) = row.segment(c0, cw);
    }
    Oh.middleRows(r0, b).noalias() = Sb * Vh.middleRows(lo0, w);  // [b, dh] = [b, w] x [w, dh]
  }
}

// Backward of local_head_forward with q0 = 0: dQh assigned, dKh and dVh
// accumulated (zeroed by the caller); S and dS are [Bq, Bq + W - 1]
// scratch, blocked as in the forward.
template <class T, class PM, class GM, class QM, class OM>
void local_head_backward(const GM& dOh, const QM& Qh, const QM& Kh, const QM& Vh,
                         Eigen::Index W, T scale, const PM& P, Mat<T>& S, Mat<T>& dS, OM dQh,
                         OM dKh, OM dVh) {
  const Eigen::Index n = Qh.rows(), Bq = local_block_rows(W);
  for (Eigen::Index i0 = 0; i0 < n; i0 += Bq) {
    const Eigen::Index b = std::min(Bq, n - i0), i1 = i0 + b - 1;
    const Eigen::Index lo0 = std::max<Eigen::Index>(0, i0 - W + 1), w = i1 - lo0 + 1;
    auto Pb = S.topLeftCorner(b, w);  // the block's weights, dense, zero outside each window
    for (Eigen::Index t = 0; t < b; ++t) {
      const Eigen::Index i = i0 + t, lo = std::max<Eigen::Index>(0, i - W + 1);
      const Eigen::Index c0 = lo - lo0, cw = i - lo + 1;
      Pb.row(t).setZero();
      Pb.row(t).segment(c0, cw) = P.row(i).tail(cw);
    }
    auto dSb = dS.topLeftCorner(b, w);
    dSb.noalias() = dOh.middleRows(i0, b) * Vh.middleRows(lo0, w).transpose();  // [b, w] dP
    dVh.middleRows(lo0, w).noalias() += Pb.transpose() * dOh.middleRows(i0, b);  // [w, dh] += [w, b] x [b, dh]
    // Softmax backward per row: dS = P * (dP - sum(P * dP)), zero where P is.
    for (Eigen::Index t = 0; t < b; ++t) {
      const T dot = (Pb.row(t).array() * dSb.row(t).array()).sum();
      dSb.row(t).array() = Pb.row(t).array() * (dSb.row(t).array() - dot);
    }
    // Q was scaled by `scale` in forward: dQ_unscaled = scale * dS K.
    dQh.middleRows(i0, b).noalias() = (dSb * Kh.middleRows(lo0, w)) * scale;    // [b, dh] = [b, w] x [w, dh]
    dKh.middleRows(lo0, w).noalias() += dSb.transpose() * Qh.middleRows(i0, b);  // [w, dh] += [w, b] x [b, dh]
  }
}

}  // namespace

template <class T>
void attention_forward(CRef<T> h, int q0, const Block<T>& B, int heads, int window,
                       AttentionCache<T>& c, MRef<T> y) {
  const Eigen::Index n = h.rows(), m = n - q0, d = h.cols(), dh = d / heads;
  assert(m >= 1 && y.rows() == m && window >= 0);
  // A window reaching row 0 for every query is full attention: same kernel.
  const Eigen::Index W = (window >= 1 && window < n) ? window : 0;
  const Eigen::Index k0 = W > 0 ? std::max<Eigen::Index>(0, q0 - W + 1) : 0;  // first key used
  assert(m <= c.p[0].rows() && (W > 0 ? W : n) <= c.p[0].cols());
  c.band = int(W);
  c.n = n;
  c.q0 = q0;
  const T scale = T(1) / std::sqrt(T(dh));
  auto Q = c.q.topRows(m);
  auto K = c.k.topRows(n);                           // rows < k0 left unset
  auto V = c.v.topRows(n);
  auto O = c.o.topRows(m);
  // Each projection starts from its bias and accumulates the product onto
  // it (a GEMM's `=` would zero the destination first); 1/sqrt(dh) is
  // folded into Q through the GEMM's alpha.
  fill_rows(Q, B.bq.row(0) * scale);                 // [m, d]
  Q.noalias() += (h.bottomRows(m) * B.wq) * scale;   // [m, d] += [m, d] x [d, d]
  if (m == 1 && W == 0) {
    // One query row over every key (the last block of a last_only
    // forward): K and V are never formed. With q = Q[0] and head columns c,
    //   score_j = q_c . (h_j Wk_c + bk_c) = h_j . (q_c Wk_c^T) + q_c . bk_c
    // and the constant q_c . bk_c cancels in the softmax; with weights p
    // summing to 1, sum_j p_j (h_j Wv_c + bv_c) = (p^T h) Wv_c + bv_c.
    // Cost O(n d) per head instead of the O(n d^2) K/V projections.
    for (int hd = 0; hd < heads; ++hd) {
      const auto q = Q.row(0).segment(hd * dh, dh);  // [1, dh]
      auto s = c.p[size_t(hd)].row(0).head(n);       // [1, n]
      RowVec<T>& qk = c.qk;                          // [1, d]
      RowVec<T>& ph = c.ph;                          // [1, d]
      qk.noalias() = q * B.wk.middleCols(hd * dh, dh).transpose();  // [1, d] = [1, dh] x [dh, d]
      s.noalias() = qk * h.transpose();              // [1, n] = [1, d] x [d, n]
      softmax_inplace<T>(s);                         // [1, n]
      ph.noalias() = s * h;                          // [1, d] = [1, n] x [n, d]
      O.row(0).segment(hd * dh, dh) = B.bv.row(0).segment(hd * dh, dh);
      O.row(0).segment(hd * dh, dh).noalias() += ph * B.wv.middleCols(hd * dh, dh);  // [1, dh]
    }
    y = B.bo.row(0);                                 // [1, d]
    y.noalias() += O * B.wo;                         // [1, d] += [1, d] x [d, d]
    return;
  }
  fill_rows(K.bottomRows(n - k0), B.bk.row(0));                  // [n-k0, d]
  K.bottomRows(n - k0).noalias() += h.bottomRows(n - k0) * B.wk;  // [n-k0, d] += [n-k0, d] x [d, d]
  fill_rows(V.bottomRows(n - k0), B.bv.row(0));                  // [n-k0, d]
  V.bottomRows(n - k0).noalias() += h.bottomRows(n - k0) * B.wv;  // [n-k0, d] += [n-k0, d] x [d, d]
  for (int hd = 0; hd < heads; ++hd) {
    const auto Qh = Q.middleCols(hd * dh, dh);       // [m, dh]
    const auto Kh = K.middleCols(hd * dh, dh);       // [n, dh]
    const auto Vh = V.middleCols(hd * dh, dh);       // [n, dh]
    auto Oh = O.middleCols(hd * dh, dh);             // [m, dh]
    if (W > 0) {
      auto P = c.p[size_t(hd)].topLeftCorner(m, W);  // [m, W] band
      local_head_forward<T>(Qh, Kh, Vh, q0, W, c.blk, P, Oh);  // [m, dh]
      continue;
    }
    auto P = c.p[size_t(hd)].topLeftCorner(m, n);    // [m, n]
    if (q0 == 0) {
      // Causal: only the lower triangle of Q K^T is needed.
      P.template triangularView<Eigen::Lower>() = Qh * Kh.transpose();  // [n, n] (lower)
      for (Eigen::Index r = 0; r < m; ++r) causal_softmax_row<T>(P.row(r), r);  // [n, n]
      Oh.noalias() = P.template triangularView<Eigen::Lower>() * Vh;     // [n, dh] = [n, n] x [n, dh]
    } else {
      P.noalias() = Qh * Kh.transpose();             // [m, n] = [m, dh] x [dh, n]
      for (Eigen::Index r = 0; r < m; ++r) causal_softmax_row<T>(P.row(r), q0 + r);  // [m, n]
      Oh.noalias() = P * Vh;                         // [m, dh] = [m, n] x [n, dh]
    }
  }
  fill_rows(y, B.bo.row(0));                         // [m, d]
  y.noalias() += O * B.wo;                           // [m, d] += [m, d] x [d, d]
}

template <class T>
void attention_backward(CRef<T> dy, CRef<T> h, const Block<T>& B, BlockGrad<T>& dB, int heads,
                        AttentionCache<T>& c, MRef<T> dh) {
  const Eigen::Index n = h.rows(), d = h.cols(), dhd = d / heads, W = c.band;
  assert(dy.rows() == n && c.n == n && c.q0 == 0);
  const T scale = T(1) / std::sqrt(T(dhd));
  const auto Q = c.q.topRows(n);
  const auto K = c.k.topRows(n);
  const auto V = c.v.topRows(n);
  auto dO = c.dout.topRows(n);
  auto dQ = c.dq.topRows(n);
  auto dK = c.dk.topRows(n);
  auto dV = c.dv.topRows(n);
  dB.wo.noalias() += c.o.topRows(n).transpose() * dy;      // [d, d] = [d, n] x [n, d]
  dB.bo.row(0) += dy.colwise().sum();
  dO.noalias() = dy * B.wo.transpose();                     // [n, d] = [n, d] x [d, d]
  for (int hd = 0; hd < heads; ++hd) {
    const auto Qh = Q.middleCols(hd * dhd, dhd);
    const auto Kh = K.middleCols(hd * dhd, dhd);
    const auto Vh = V.middleCols(hd * dhd, dhd);
    const auto dOh = dO.middleCols(hd * dhd, dhd);
    if (W > 0) {
      const auto P = c.p[size_t(hd)].topLeftCorner(n, W);  // [n, W] band
      dK.middleCols(hd * dhd, dhd).setZero();
      dV.middleCols(hd * dhd, dhd).setZero();
      local_head_backward<T>(dOh, Qh, Kh, Vh, W, scale, P, c.blk, c.dblk,
                             dQ.middleCols(hd * dhd, dhd), dK.middleCols(hd * dhd, dhd),
                             dV.middleCols(hd * dhd, dhd));
      continue;
    }
    const auto P = c.p[size_t(hd)].topLeftCorner(n, n);    // [n, n] lower triangular
    auto dP = c.dp.topLeftCorner(n, n);
    dP.template triangularView<Eigen::Lower>() = dOh * Vh.transpose();               // [n, n]
    dV.middleCols(hd * dhd, dhd).noalias() =
        P.template triangularView<Eigen::Lower>().transpose() * dOh;                 // [n, dh]
    // Softmax backward per row: dS = P * (dP - sum(P * dP)); upper part stays 0.
    for (Eigen::Index r = 0; r < n; ++r) {
      auto pr = P.row(r).head(r + 1).array();
      auto dr = dP.row(r).head(r + 1).array();
      const T dot = (pr * dr).sum();
      dr = pr * (dr - dot);
      dP.row(r).tail(n - r - 1).setZero();
    }
    // Q was scaled by `scale` in forward: dQ_unscaled = scale * dS K.
    dQ.middleCols(hd * dhd, dhd).noalias() =
        (dP.template triangularView<Eigen::Lower>() * Kh) * scale;                   // [n, dh]
    dK.middleCols(hd * dhd, dhd).noalias() =
        dP.template triangularView<Eigen::Lower>().transpose() * Qh;                 // [n, dh]
  }
  dB.wq.noalias() += h.transpose() * dQ;              // [d, d] = [d, n] x [n, d]
  dB.bq.row(0) += dQ.colwise().sum();
  dB.wk.noalias() += h.transpose() * dK;
  dB.bk.row(0) += dK.colwise().sum();
  dB.wv.noalias() += h.transpose() * dV;
  dB.bv.row(0) += dV.colwise().sum();
  dh.noalias() = dQ * B.wq.transpose();               // [n, d] = [n, d] x [d, d]
  dh.noalias() += dK * B.wk.transpose();
  dh.noalias() += dV * B.wv.transpose();
}

template <class T>
void attention_weights(const AttentionCache<T>& c, int head, Eigen::Index row, std::span<T> out) {
  assert(row >= c.q0 && row < c.n && Eigen::Index(out.size()) == c.n);
  const Mat<T>& P = c.p[size_t(head)];
  const Eigen::Index r = row - c.q0;
  if (c.band == 0) {
    for (Eigen::Index j = 0; j < c.n; ++j) out[size_t(j)] = P(r, j);
    return;
  }
  const Eigen::Index first = row - c.band + 1;  // key of band column 0
  for (Eigen::Index j = 0; j < c.n; ++j) {
    out[size_t(j)] = (j >= first && j <= row) ? P(r, j - first) : T(0);
  }
}

template struct AttentionCache<float>;
template struct AttentionCache<double>;
template void attention_forward<float>(CRef<float>, int, const Block<float>&, int, int,
                                       AttentionCache<float>&, MRef<float>);
template void attention_forward<double>(CRef<double>, int, const Block<double>&, int, int,
                                        AttentionCache<double>&, MRef<double>);
template void attention_backward<float>(CRef<float>, CRef<float>, const Block<float>&,
                                        BlockGrad<float>&, int, AttentionCache<float>&,
                                        MRef<float>);
template void attention_backward<double>(CRef<double>, CRef<double>, const Block<double>&,
                                         BlockGrad<double>&, int, AttentionCache<double>&,
                                         MRef<double>);
template void attention_weights<float>(const AttentionCache<float>&, int, Eigen::Index,
                                       std::span<float>);
template void attention_weights<double>(const AttentionCache<double>&, int, Eigen::Index,
                                        std::span<double>);

}  // namespace attnrec::model

#include "model/attention.h"

#include <cassert>
#include <cmath>

namespace attnrec::model {

template <class T>
void AttentionCache<T>::reserve(int maxlen, int d, int heads) {
  for (Mat<T>* m : {&q, &k, &v, &o, &dq, &dk, &dv, &dout}) m->resize(maxlen, d);
  p.assign(size_t(heads), Mat<T>(maxlen, maxlen));
  dp.resize(maxlen, maxlen);
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

}  // namespace

template <class T>
void attention_forward(CRef<T> h, int q0, const Params<T>& W, const BlockIndex& B,
                       int heads, AttentionCache<T>& c, MRef<T> y) {
  const Eigen::Index n = h.rows(), m = n - q0, d = h.cols(), dh = d / heads;
  assert(m >= 1 && y.rows() == m);
  const T scale = T(1) / std::sqrt(T(dh));
  auto Q = c.q.topRows(m);
  auto K = c.k.topRows(n);
  auto V = c.v.topRows(n);
  auto O = c.o.topRows(m);
  Q.noalias() = h.bottomRows(m) * W.m(B.wq);        // [m, d] = [m, d] x [d, d]
  Q.rowwise() += W.m(B.bq).row(0);
  Q *= scale;                                        // fold 1/sqrt(dh) into Q
  K.noalias() = h * W.m(B.wk);                       // [n, d] = [n, d] x [d, d]
  K.rowwise() += W.m(B.bk).row(0);
  V.noalias() = h * W.m(B.wv);                       // [n, d] = [n, d] x [d, d]
  V.rowwise() += W.m(B.bv).row(0);
  for (int hd = 0; hd < heads; ++hd) {
    auto P = c.p[size_t(hd)].topLeftCorner(m, n);    // [m, n]
    const auto Qh = Q.middleCols(hd * dh, dh);       // [m, dh]
    const auto Kh = K.middleCols(hd * dh, dh);       // [n, dh]
    const auto Vh = V.middleCols(hd * dh, dh);       // [n, dh]
    auto Oh = O.middleCols(hd * dh, dh);             // [m, dh]
    if (q0 == 0) {
      // Causal: only the lower triangle of Q K^T is needed.
      P.template triangularView<Eigen::Lower>() = Qh * Kh.transpose();  // [n, n] (lower)
      for (Eigen::Index r = 0; r < m; ++r) causal_softmax_row<T>(P.row(r), r);
      Oh.noalias() = P.template triangularView<Eigen::Lower>() * Vh;     // [n, dh] = [n, n] x [n, dh]
    } else {
      P.noalias() = Qh * Kh.transpose();             // [m, n] = [m, dh] x [dh, n]
      for (Eigen::Index r = 0; r < m; ++r) causal_softmax_row<T>(P.row(r), q0 + r);
      Oh.noalias() = P * Vh;                         // [m, dh] = [m, n] x [n, dh]
    }
  }
  y.noalias() = O * W.m(B.wo);                       // [m, d] = [m, d] x [d, d]
  y.rowwise() += W.m(B.bo).row(0);
}

template <class T>
void attention_backward(CRef<T> dy, CRef<T> h, const Params<T>& W, const BlockIndex& B,
                        int heads, AttentionCache<T>& c, Params<T>& G, MRef<T> dh) {
  const Eigen::Index n = h.rows(), d = h.cols(), dhd = d / heads;
  assert(dy.rows() == n);
  const T scale = T(1) / std::sqrt(T(dhd));
  const auto Q = c.q.topRows(n);
  const auto K = c.k.topRows(n);
  const auto V = c.v.topRows(n);
  auto dO = c.dout.topRows(n);
  auto dQ = c.dq.topRows(n);
  auto dK = c.dk.topRows(n);
  auto dV = c.dv.topRows(n);
  G.m(B.wo).noalias() += c.o.topRows(n).transpose() * dy;  // [d, d] = [d, n] x [n, d]
  G.m(B.bo).row(0) += dy.colwise().sum();
  dO.noalias() = dy * W.m(B.wo).transpose();                // [n, d] = [n, d] x [d, d]
  for (int hd = 0; hd < heads; ++hd) {
    const auto P = c.p[size_t(hd)].topLeftCorner(n, n);    // [n, n] lower triangular
    auto dP = c.dp.topLeftCorner(n, n);
    const auto Qh = Q.middleCols(hd * dhd, dhd);
    const auto Kh = K.middleCols(hd * dhd, dhd);
    const auto Vh = V.middleCols(hd * dhd, dhd);
    const auto dOh = dO.middleCols(hd * dhd, dhd);
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
  G.m(B.wq).noalias() += h.transpose() * dQ;          // [d, d] = [d, n] x [n, d]
  G.m(B.bq).row(0) += dQ.colwise().sum();
  G.m(B.wk).noalias() += h.transpose() * dK;
  G.m(B.bk).row(0) += dK.colwise().sum();
  G.m(B.wv).noalias() += h.transpose() * dV;
  G.m(B.bv).row(0) += dV.colwise().sum();
  dh.noalias() = dQ * W.m(B.wq).transpose();          // [n, d] = [n, d] x [d, d]
  dh.noalias() += dK * W.m(B.wk).transpose();
  dh.noalias() += dV * W.m(B.wv).transpose();
}

template struct AttentionCache<float>;
template struct AttentionCache<double>;
template void attention_forward<float>(CRef<float>, int, const Params<float>&, const BlockIndex&,
                                       int, AttentionCache<float>&, MRef<float>);
template void attention_forward<double>(CRef<double>, int, const Params<double>&,
                                        const BlockIndex&, int, AttentionCache<double>&,
                                        MRef<double>);
template void attention_backward<float>(CRef<float>, CRef<float>, const Params<float>&,
                                        const BlockIndex&, int, AttentionCache<float>&,
                                        Params<float>&, MRef<float>);
template void attention_backward<double>(CRef<double>, CRef<double>, const Params<double>&,
                                         const BlockIndex&, int, AttentionCache<double>&,
                                         Params<double>&, MRef<double>);

}  // namespace attnrec::model

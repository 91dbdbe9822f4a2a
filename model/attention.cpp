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
void attention_forward(CRef<T> h, int q0, const Block<T>& B, int heads, AttentionCache<T>& c,
                       MRef<T> y) {
  const Eigen::Index n = h.rows(), m = n - q0, d = h.cols(), dh = d / heads;
  assert(m >= 1 && y.rows() == m);
  const T scale = T(1) / std::sqrt(T(dh));
  auto Q = c.q.topRows(m);
  auto K = c.k.topRows(n);
  auto V = c.v.topRows(n);
  auto O = c.o.topRows(m);
  Q.noalias() = h.bottomRows(m) * B.wq;              // [m, d] = [m, d] x [d, d]
  Q.rowwise() += B.bq.row(0);                        // [m, d] += [1, d]
  Q *= scale;                                        // [m, d], folds 1/sqrt(dh) into Q
  K.noalias() = h * B.wk;                            // [n, d] = [n, d] x [d, d]
  K.rowwise() += B.bk.row(0);                        // [n, d] += [1, d]
  V.noalias() = h * B.wv;                            // [n, d] = [n, d] x [d, d]
  V.rowwise() += B.bv.row(0);                        // [n, d] += [1, d]
  for (int hd = 0; hd < heads; ++hd) {
    auto P = c.p[size_t(hd)].topLeftCorner(m, n);    // [m, n]
    const auto Qh = Q.middleCols(hd * dh, dh);       // [m, dh]
    const auto Kh = K.middleCols(hd * dh, dh);       // [n, dh]
    const auto Vh = V.middleCols(hd * dh, dh);       // [n, dh]
    auto Oh = O.middleCols(hd * dh, dh);             // [m, dh]
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
  y.noalias() = O * B.wo;                            // [m, d] = [m, d] x [d, d]
  y.rowwise() += B.bo.row(0);                        // [m, d] += [1, d]
}

template <class T>
void attention_backward(CRef<T> dy, CRef<T> h, const Block<T>& B, BlockGrad<T>& dB, int heads,
                        AttentionCache<T>& c, MRef<T> dh) {
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
  dB.wo.noalias() += c.o.topRows(n).transpose() * dy;      // [d, d] = [d, n] x [n, d]
  dB.bo.row(0) += dy.colwise().sum();
  dO.noalias() = dy * B.wo.transpose();                     // [n, d] = [n, d] x [d, d]
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

template struct AttentionCache<float>;
template struct AttentionCache<double>;
template void attention_forward<float>(CRef<float>, int, const Block<float>&, int,
                                       AttentionCache<float>&, MRef<float>);
template void attention_forward<double>(CRef<double>, int, const Block<double>&, int,
                                        AttentionCache<double>&, MRef<double>);
template void attention_backward<float>(CRef<float>, CRef<float>, const Block<float>&,
                                        BlockGrad<float>&, int, AttentionCache<float>&,
                                        MRef<float>);
template void attention_backward<double>(CRef<double>, CRef<double>, const Block<double>&,
                                         BlockGrad<double>&, int, AttentionCache<double>&,
                                         MRef<double>);

}  // namespace attnrec::model

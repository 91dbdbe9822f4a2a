#include "model/loss.h"

#include <cassert>
#include <cmath>

namespace attnrec::model {

namespace {

template <class T>
T sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}
// log(1 + exp(x)) without overflow.
template <class T>
T softplus(T x) {
  return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

template <class T>
T weight_of(std::span<const float> weights, Eigen::Index i) {
  return weights.empty() ? T(1) : T(weights[size_t(i)]);
}

// In-place softmax of each row of `logits`; returns sum over rows of
// weight[row] * (logsumexp(row) - row[target_col[row]]).
template <class T, class TargetCol>
T softmax_xent_rows(MRef<T> logits, TargetCol target_col, std::span<const float> weights) {
  T loss = 0;
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    auto row = logits.row(i);
    const T mx = row.maxCoeff();
    const T target_logit = row(target_col(i));
    row = (row.array() - mx).exp();
    const T sum = row.sum();
    loss += weight_of<T>(weights, i) * (std::log(sum) + mx - target_logit);
    row /= sum;
  }
  return loss;
}

}  // namespace

template <class T>
T bce_loss(const CMatMap<T>& E, CRef<T> H, std::span<const int32_t> targets,
           std::span<const int32_t> negatives, int k, T scale, MRef<T> dH, MatMap<T>& dE,
           LossScratch<T>& /*s*/, std::span<const float> weights) {
  const Eigen::Index n = H.rows();
  assert(Eigen::Index(targets.size()) == n && Eigen::Index(negatives.size()) == n * k);
  assert(weights.empty() || Eigen::Index(weights.size()) == n);
  T loss = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto h = H.row(i);                                     // [1, d]
    auto dh = dH.row(i);
    const int32_t y = targets[size_t(i)];
    const T w = weight_of<T>(weights, i);
    const T ws = scale * w;
    const T pos = h.dot(E.row(y));
    T li = softplus(-pos);                                       // -log s(pos)
    const T gp = ws * (sigmoid(pos) - T(1));
    dh = gp * E.row(y);
    dE.row(y) += gp * h;
    for (int j = 0; j < k; ++j) {
      const int32_t q = negatives[size_t(i * k + j)];
      const T neg = h.dot(E.row(q));
      li += softplus(neg);                                       // -log(1 - s(neg))
      const T gn = ws * sigmoid(neg);
      dh += gn * E.row(q);
      dE.row(q) += gn * h;
    }
    loss += w * li;
  }
  return loss;
}

template <class T>
T ce_loss(const CMatMap<T>& E, CRef<T> H, std::span<const int32_t> targets, T scale, MRef<T> dH,
          MatMap<T>& dE, LossScratch<T>& s, std::span<const float> weights) {
  const int N = int(E.rows()) - 1;
  const auto En = E.bottomRows(N);                               // [N, d], items 1..N
  auto dEn = dE.bottomRows(N);
  const Eigen::Index n = H.rows();
  if (s.logits.rows() < n || s.logits.cols() != N) s.logits.resize(std::max<Eigen::Index>(n, s.logits.rows()), N);
  auto logits = s.logits.topRows(n);
  logits.noalias() = H * En.transpose();                         // [n, N] = [n, d] x [d, N]
  const T loss = softmax_xent_rows<T>(logits, [&](Eigen::Index i) { return targets[size_t(i)] - 1; }, weights);
  for (Eigen::Index i = 0; i < n; ++i) logits(i, targets[size_t(i)] - 1) -= T(1);  // softmax - onehot
  logits *= scale;
  if (!weights.empty()) {
    for (Eigen::Index i = 0; i < n; ++i) logits.row(i) *= weight_of<T>(weights, i);
  }
  dH.noalias() = logits * En;                                    // [n, d] = [n, N] x [N, d]
  dEn.noalias() += logits.transpose() * H;                       // [N, d] = [N, n] x [n, d]
  return loss;
}

template <class T>
T sampled_ce_loss(const CMatMap<T>& E, CRef<T> H, std::span<const int32_t> targets,
                  std::span<const int32_t> negatives, T scale, MRef<T> dH, MatMap<T>& dE,
                  LossScratch<T>& s, std::span<const float> weights) {
  const Eigen::Index n = H.rows(), d = H.cols(), k = Eigen::Index(negatives.size());
  // Column 0: the position's own target; columns 1..k: shared negatives.
  s.cand.resize(k, d);
  for (Eigen::Index j = 0; j < k; ++j) s.cand.row(j) = E.row(negatives[size_t(j)]);
  s.logits.resize(n, k + 1);
  s.logits.rightCols(k).noalias() = H * s.cand.transpose();     // [n, k] = [n, d] x [d, k]
  for (Eigen::Index i = 0; i < n; ++i) s.logits(i, 0) = H.row(i).dot(E.row(targets[size_t(i)]));
  const T loss = softmax_xent_rows<T>(MRef<T>(s.logits), [](Eigen::Index) { return Eigen::Index(0); }, weights);
  s.logits.col(0).array() -= T(1);
  s.logits *= scale;
  if (!weights.empty()) {
    for (Eigen::Index i = 0; i < n; ++i) s.logits.row(i) *= weight_of<T>(weights, i);
  }
  const auto gneg = s.logits.rightCols(k);                       // [n, k]
  dH.noalias() = gneg * s.cand;                                  // [n, d] = [n, k] x [k, d]
  s.dcand.noalias() = gneg.transpose() * H;                      // [k, d] = [k, n] x [n, d]
  for (Eigen::Index j = 0; j < k; ++j) dE.row(negatives[size_t(j)]) += s.dcand.row(j);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int32_t y = targets[size_t(i)];
    dH.row(i) += s.logits(i, 0) * E.row(y);
    dE.row(y) += s.logits(i, 0) * H.row(i);
  }
  return loss;
}

#define ATTNREC_INSTANTIATE(T)                                                                   \
  template T bce_loss<T>(const CMatMap<T>&, CRef<T>, std::span<const int32_t>,                  \
                         std::span<const int32_t>, int, T, MRef<T>, MatMap<T>&, LossScratch<T>&, \
                         std::span<const float>);                                                \
  template T ce_loss<T>(const CMatMap<T>&, CRef<T>, std::span<const int32_t>, T, MRef<T>,       \
                        MatMap<T>&, LossScratch<T>&, std::span<const float>);                    \
  template T sampled_ce_loss<T>(const CMatMap<T>&, CRef<T>, std::span<const int32_t>,           \
                                std::span<const int32_t>, T, MRef<T>, MatMap<T>&,               \
                                LossScratch<T>&, std::span<const float>);
ATTNREC_INSTANTIATE(float)
ATTNREC_INSTANTIATE(double)
#undef ATTNREC_INSTANTIATE

}  // namespace attnrec::model

#include "model/sasrec.h"

#include <cassert>
#include <cmath>

namespace attnrec::model {

template <class T>
Workspace<T>::Workspace(const Config& config, Pass pass_) : pass(pass_) {
  const int L = config.maxlen, d = config.d, f = config.ffn_width(), nb = config.blocks;
  const bool train = pass == Pass::kTrain;
  // Query rows of block b: every position, or only the last one in the
  // last block of a last_only forward.
  const auto query_rows = [&](int b) { return pass == Pass::kLastOnly && b + 1 == nb ? 1 : L; };
  items.reserve(size_t(L));
  if (train) mask_emb.resize(L, d);
  stream.resize(size_t(nb) + 1);
  stream[0].resize(L, d);
  for (int b = 0; b < nb; ++b) stream[size_t(b) + 1].resize(query_rows(b), d);
  blocks.resize(size_t(nb));
  for (int b = 0; b < nb; ++b) {
    BlockCache<T>& c = blocks[size_t(b)];
    const int m = query_rows(b);
    c.h1.resize(L, d);
    c.rstd1.resize(L);
    for (Mat<T>* x : {&c.a, &c.h2, &c.f}) x->resize(m, d);
    c.rstd2.resize(m);
    if (train) {
      for (Mat<T>* x : {&c.xhat1, &c.mask_a, &c.xhat2}) x->resize(L, d);
    }
    c.att.reserve(L, d, config.heads, config.attention_window(), m, train);
    c.ffn.reserve(m, d, f, train);
  }
  const int out_rows = pass == Pass::kLastOnly ? 1 : L;
  rstdf.resize(out_rows);
  out.resize(out_rows, d);
  if (train) {
    xhatf.resize(L, d);
    for (Mat<T>* x : {&dx, &dh, &da}) x->resize(L, d);
  }
}

template <class T>
size_t Workspace<T>::bytes() const {
  size_t n = 0;
  const auto add = [&n](const auto& m) { n += size_t(m.size()); };
  add(mask_emb);
  for (const Mat<T>& m : stream) add(m);
  for (const BlockCache<T>& c : blocks) {
    for (const Mat<T>* m : {&c.xhat1, &c.h1, &c.a, &c.mask_a, &c.xhat2, &c.h2, &c.f}) add(*m);
    add(c.rstd1);
    add(c.rstd2);
    const AttentionCache<T>& a = c.att;
    for (const Mat<T>* m : {&a.q, &a.k, &a.v, &a.o, &a.dq, &a.dk, &a.dv, &a.dout, &a.dp}) add(*m);
    for (const Mat<T>& m : a.p) add(m);
    const FfnCache<T>& f = c.ffn;
    for (const Mat<T>* m : {&f.z1, &f.a1, &f.mask1, &f.mask2, &f.dz1, &f.dz2}) add(*m);
  }
  for (const Mat<T>* m : {&xhatf, &out, &dx, &dh, &da}) add(*m);
  add(rstdf);
  return n * sizeof(T) + items.capacity() * sizeof(int32_t);
}

template <class T>
void block_forward(const Block<T>& B, const Config& cfg, CRef<T> x, int q0, Rng* rng,
                   BlockCache<T>& c, MRef<T> x_out) {
  const int rows = int(x.rows()), m = rows - q0;               // m: query rows kept
  assert(x_out.rows() == m);
  const bool drop = rng != nullptr;
  // Without backward buffers (inference) LayerNorm's xhat goes over its output.
  const bool keep_xhat = c.xhat1.rows() > 0;
  auto h1 = c.h1.topRows(rows);
  layernorm_forward<T>(x, B.ln1_g, B.ln1_b, T(cfg.ln_eps), h1,
                       keep_xhat ? c.xhat1.topRows(rows) : h1,
                       c.rstd1.head(rows));                     // [rows, d]
  auto a = c.a.topRows(m);
  attention_forward<T>(h1, q0, B, cfg.heads, cfg.attention_window(), c.att,
                       a);                                      // [m, d] = MHA([rows, d])[q0:]
  if (drop) {
    dropout_mask<T>(c.mask_a.topRows(m), cfg.dropout, *rng);
    a.array() *= c.mask_a.topRows(m).array();                   // [m, d]
  }
  x_out = x.bottomRows(m) + a;                                  // [m, d] residual: x_mid
  auto h2 = c.h2.topRows(m);
  layernorm_forward<T>(x_out, B.ln2_g, B.ln2_b, T(cfg.ln_eps), h2,
                       keep_xhat ? c.xhat2.topRows(m) : h2, c.rstd2.head(m));  // [m, d]
  if (drop) {
    dropout_mask<T>(c.ffn.mask1.topRows(m), cfg.dropout, *rng);
    dropout_mask<T>(c.ffn.mask2.topRows(m), cfg.dropout, *rng);
  }
  auto f = c.f.topRows(m);
  ffn_forward<T>(h2, B, cfg.act, m, drop, c.ffn, f);            // [m, d]
  x_out += f;                                                   // [m, d] residual
}

template <class T>
void block_backward(const Block<T>& B, BlockGrad<T>& dB, const Config& cfg, bool dropout,
                    BlockCache<T>& c, MRef<T> dx, MRef<T> dh, MRef<T> da) {
  const int n = int(dx.rows());
  // x_out = x_mid + FFN(LN2(x_mid))
  ffn_backward<T>(dx, c.h2.topRows(n), B, dB, cfg.act, n, dropout, c.ffn, dh);
  layernorm_backward<T>(dh, c.xhat2.topRows(n), c.rstd2.head(n), B.ln2_g, dB.ln2_g, dB.ln2_b, dx);
  // x_mid = x_in + dropout(MHA(LN1(x_in)))
  da = dx;
  if (dropout) da.array() *= c.mask_a.topRows(n).array();
  attention_backward<T>(da, c.h1.topRows(n), B, dB, cfg.heads, c.att, dh);
  layernorm_backward<T>(dh, c.xhat1.topRows(n), c.rstd1.head(n), B.ln1_g, dB.ln1_g, dB.ln1_b, dx);
}

template <class T>
void forward(const Params<T>& W, std::span<const int32_t> items, Workspace<T>& ws, Rng* rng,
             bool last_only) {
  const Config& cfg = W.config();
  const Sasrec<T>& net = W.net();
  assert(!items.empty() && int(items.size()) <= cfg.maxlen);
  if (const int64_t win = cfg.attention_window(); last_only && win > 0) {
    // With local attention the last output row sees only the last
    // blocks * (W - 1) + 1 positions (each block reaches W - 1 further
    // back); the earlier items cannot change it, so they are not computed.
    // Positions count from the end, so the kept items keep their positions.
    const int64_t reach = int64_t(cfg.blocks) * (win - 1) + 1;
    if (int64_t(items.size()) > reach) items = items.last(size_t(reach));
  }
  const int n = int(items.size()), L = cfg.maxlen, d = cfg.d;
  const bool drop = rng != nullptr && cfg.dropout > 0.0f;
  assert(!drop || ws.pass == Pass::kTrain);
  assert(last_only || ws.pass != Pass::kLastOnly);
  ws.n = n;
  ws.dropout = drop;
  ws.q0_last = last_only ? n - 1 : 0;
  ws.items.assign(items.begin(), items.end());

  // Embedding: x0[i] = sqrt(d) E[item_i] + P[L - n + i]
  const auto& E = net.item_emb;                                 // [N + 1, d]
  const auto& P = net.pos_emb;                                  // [L, d]
  auto x0 = ws.stream[0].topRows(n);                            // [n, d]
  const T emb_scale = std::sqrt(T(d));
  for (int i = 0; i < n; ++i) {
    assert(items[size_t(i)] >= 1 && items[size_t(i)] <= cfg.num_items);
    x0.row(i) = emb_scale * E.row(items[size_t(i)]) + P.row(L - n + i);  // [1, d]
  }
  if (drop) {
    dropout_mask<T>(ws.mask_emb.topRows(n), cfg.dropout, *rng);
    x0.array() *= ws.mask_emb.topRows(n).array();               // [n, d]
  }

  int rows = n;  // rows of the residual stream entering the block
  for (size_t b = 0; b < ws.blocks.size(); ++b) {
    const int q0 = (b + 1 == ws.blocks.size()) ? ws.q0_last : 0;
    const int m = rows - q0;                                    // query rows kept
    block_forward<T>(net.blocks[b], cfg, ws.stream[b].topRows(rows), q0, drop ? rng : nullptr,
                     ws.blocks[b], ws.stream[b + 1].topRows(m));  // [m, d] = block([rows, d])
    rows = m;
  }
  auto out = ws.out.topRows(rows);
  layernorm_forward<T>(ws.stream.back().topRows(rows), net.lnf_g, net.lnf_b, T(cfg.ln_eps), out,
                       ws.xhatf.rows() > 0 ? ws.xhatf.topRows(rows) : out,
                       ws.rstdf.head(rows));                    // [rows, d]
}

template <class T>
void backward(const Params<T>& W, Workspace<T>& ws, CRef<T> d_out, Params<T>& G) {
  const Config& cfg = W.config();
  const Sasrec<T>& net = W.net();
  SasrecGrad<T>& grad = G.mut();
  const int n = ws.n, L = cfg.maxlen;
  assert(ws.pass == Pass::kTrain && ws.q0_last == 0 && d_out.rows() == n);
  auto dx = ws.dx.topRows(n);
  dx.setZero();
  layernorm_backward<T>(d_out, ws.xhatf.topRows(n), ws.rstdf.head(n), net.lnf_g, grad.lnf_g,
                        grad.lnf_b, dx);
  for (size_t bi = ws.blocks.size(); bi-- > 0;) {
    block_backward<T>(net.blocks[bi], grad.blocks[bi], cfg, ws.dropout, ws.blocks[bi], dx,
                      ws.dh.topRows(n), ws.da.topRows(n));
  }
  if (ws.dropout) dx.array() *= ws.mask_emb.topRows(n).array();
  auto& dE = grad.item_emb;
  auto& dP = grad.pos_emb;
  const T emb_scale = std::sqrt(T(cfg.d));
  for (int i = 0; i < n; ++i) {
    dE.row(ws.items[size_t(i)]) += emb_scale * dx.row(i);
    dP.row(L - n + i) += dx.row(i);
  }
}

#define ATTNREC_INSTANTIATE(T)                                                                   \
  template struct Workspace<T>;                                                                  \
  template void block_forward<T>(const Block<T>&, const Config&, CRef<T>, int, Rng*,            \
                                 BlockCache<T>&, MRef<T>);                                       \
  template void block_backward<T>(const Block<T>&, BlockGrad<T>&, const Config&, bool,          \
                                  BlockCache<T>&, MRef<T>, MRef<T>, MRef<T>);                    \
  template void forward<T>(const Params<T>&, std::span<const int32_t>, Workspace<T>&, Rng*,     \
                           bool);                                                                \
  template void backward<T>(const Params<T>&, Workspace<T>&, CRef<T>, Params<T>&);
ATTNREC_INSTANTIATE(float)
ATTNREC_INSTANTIATE(double)
#undef ATTNREC_INSTANTIATE

}  // namespace attnrec::model

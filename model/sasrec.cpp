#include "model/sasrec.h"

#include <cassert>
#include <cmath>

namespace attnrec::model {

template <class T>
Workspace<T>::Workspace(const Config& config) {
  const int L = config.maxlen, d = config.d, f = config.ffn_width();
  items.reserve(size_t(L));
  mask_emb.resize(L, d);
  stream.assign(size_t(config.blocks) + 1, Mat<T>(L, d));
  blocks.resize(size_t(config.blocks));
  for (BlockCache<T>& b : blocks) {
    for (Mat<T>* m : {&b.xhat1, &b.h1, &b.a, &b.mask_a, &b.xhat2, &b.h2, &b.f}) m->resize(L, d);
    b.rstd1.resize(L);
    b.rstd2.resize(L);
    b.att.reserve(L, d, config.heads);
    b.ffn.reserve(L, d, f);
  }
  xhatf.resize(L, d);
  rstdf.resize(L);
  out.resize(L, d);
  dx.resize(L, d);
  dh.resize(L, d);
  da.resize(L, d);
}

template <class T>
void forward(const Params<T>& W, std::span<const int32_t> items, Workspace<T>& ws, Rng* rng,
             bool last_only) {
  const Config& cfg = W.config();
  const Layout& lay = W.layout();
  const int n = int(items.size()), L = cfg.maxlen, d = cfg.d;
  assert(n >= 1 && n <= L);
  const bool drop = rng != nullptr && cfg.dropout > 0.0f;
  ws.n = n;
  ws.dropout = drop;
  ws.q0_last = last_only ? n - 1 : 0;
  ws.items.assign(items.begin(), items.end());

  // Embedding: x0[i] = sqrt(d) E[item_i] + P[L - n + i]
  const auto E = W.m(lay.item_emb);
  const auto P = W.m(lay.pos_emb);
  auto x0 = ws.stream[0].topRows(n);                            // [n, d]
  const T emb_scale = std::sqrt(T(d));
  for (int i = 0; i < n; ++i) {
    assert(items[size_t(i)] >= 1 && items[size_t(i)] <= cfg.num_items);
    x0.row(i) = emb_scale * E.row(items[size_t(i)]) + P.row(L - n + i);
  }
  if (drop) {
    dropout_mask<T>(ws.mask_emb.topRows(n), cfg.dropout, *rng);
    x0.array() *= ws.mask_emb.topRows(n).array();               // [n, d]
  }

  int rows = n;  // rows of the residual stream entering the block
  for (size_t b = 0; b < ws.blocks.size(); ++b) {
    const BlockIndex& B = lay.blocks[b];
    BlockCache<T>& c = ws.blocks[b];
    const int q0 = (b + 1 == ws.blocks.size()) ? ws.q0_last : 0;
    const int m = rows - q0;                                    // query rows kept
    const auto x = ws.stream[b].topRows(rows);                  // [rows, d]
    auto h1 = c.h1.topRows(rows);
    layernorm_forward<T>(x, W, B.ln1_g, B.ln1_b, T(cfg.ln_eps), h1, c.xhat1.topRows(rows),
                         c.rstd1.head(rows));                   // [rows, d]
    auto a = c.a.topRows(m);
    attention_forward<T>(h1, q0, W, B, cfg.heads, c.att, a);    // [m, d]
    if (drop) {
      dropout_mask<T>(c.mask_a.topRows(m), cfg.dropout, *rng);
      a.array() *= c.mask_a.topRows(m).array();
    }
    auto xm = ws.stream[b + 1].topRows(m);                      // [m, d] mid stream
    xm = x.bottomRows(m) + a;                                   // residual
    auto h2 = c.h2.topRows(m);
    layernorm_forward<T>(xm, W, B.ln2_g, B.ln2_b, T(cfg.ln_eps), h2, c.xhat2.topRows(m),
                         c.rstd2.head(m));                      // [m, d]
    if (drop) {
      dropout_mask<T>(c.ffn.mask1.topRows(m), cfg.dropout, *rng);
      dropout_mask<T>(c.ffn.mask2.topRows(m), cfg.dropout, *rng);
    }
    auto f = c.f.topRows(m);
    ffn_forward<T>(h2, W, B, cfg.act, m, drop, c.ffn, f);       // [m, d]
    xm += f;                                                    // residual
    rows = m;
  }
  layernorm_forward<T>(ws.stream.back().topRows(rows), W, lay.lnf_g, lay.lnf_b, T(cfg.ln_eps),
                       ws.out.topRows(rows), ws.xhatf.topRows(rows),
                       ws.rstdf.head(rows));                    // [rows, d]
}

template <class T>
void backward(const Params<T>& W, Workspace<T>& ws, CRef<T> d_out, Params<T>& G) {
  const Config& cfg = W.config();
  const Layout& lay = W.layout();
  const int n = ws.n, L = cfg.maxlen;
  assert(ws.q0_last == 0 && d_out.rows() == n);
  auto dx = ws.dx.topRows(n);
  auto dh = ws.dh.topRows(n);
  auto da = ws.da.topRows(n);
  dx.setZero();
  layernorm_backward<T>(d_out, ws.xhatf.topRows(n), ws.rstdf.head(n), W, lay.lnf_g, lay.lnf_b,
                        G, dx);
  for (size_t bi = ws.blocks.size(); bi-- > 0;) {
    const BlockIndex& B = lay.blocks[bi];
    BlockCache<T>& c = ws.blocks[bi];
    // x_out = x_mid + FFN(LN2(x_mid))
    ffn_backward<T>(dx, c.h2.topRows(n), W, B, cfg.act, n, ws.dropout, c.ffn, G, dh);
    layernorm_backward<T>(dh, c.xhat2.topRows(n), c.rstd2.head(n), W, B.ln2_g, B.ln2_b, G, dx);
    // x_mid = x_in + dropout(MHA(LN1(x_in)))
    da = dx;
    if (ws.dropout) da.array() *= c.mask_a.topRows(n).array();
    attention_backward<T>(da, c.h1.topRows(n), W, B, cfg.heads, c.att, G, dh);
    layernorm_backward<T>(dh, c.xhat1.topRows(n), c.rstd1.head(n), W, B.ln1_g, B.ln1_b, G, dx);
  }
  if (ws.dropout) dx.array() *= ws.mask_emb.topRows(n).array();
  auto dE = G.m(lay.item_emb);
  auto dP = G.m(lay.pos_emb);
  const T emb_scale = std::sqrt(T(cfg.d));
  for (int i = 0; i < n; ++i) {
    dE.row(ws.items[size_t(i)]) += emb_scale * dx.row(i);
    dP.row(L - n + i) += dx.row(i);
  }
}

template struct Workspace<float>;
template struct Workspace<double>;
template void forward<float>(const Params<float>&, std::span<const int32_t>, Workspace<float>&,
                             Rng*, bool);
template void forward<double>(const Params<double>&, std::span<const int32_t>,
                              Workspace<double>&, Rng*, bool);
template void backward<float>(const Params<float>&, Workspace<float>&, CRef<float>,
                              Params<float>&);
template void backward<double>(const Params<double>&, Workspace<double>&, CRef<double>,
                               Params<double>&);

}  // namespace attnrec::model

// The weights of a SASRec network, stored in ONE flat array so that the
// optimizer, gradient reduction and checkpoints treat them uniformly. A
// Layout (derived from the Config) names each tensor and gives its shape and
// offset; Params<T> holds the flat array and, as in llama.cpp's model
// structs, named views of its tensors: net().item_emb, net().blocks[b].wq, ...
// Gradients use the same type and layout as the weights.
//
// Storage order: every tensor is a ROW-MAJOR matrix (tensor.h). Weight
// matrices are [in, out], so that a layer is `Y = X W + b` on row-major
// [n, in] inputs; biases and LayerNorm gains are [1, width].
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/tensor.h"

namespace attnrec::model {

struct TensorSpec {
  std::string name;  // e.g. "blocks.0.wq"
  int32_t rows = 0;
  int32_t cols = 0;
  size_t offset = 0;  // into the flat array
  size_t size() const { return size_t(rows) * size_t(cols); }
};

// One transformer block's tensors, as named views into a flat array. M is
// CMatMap<T> for weights that are read (Block<T>) or MatMap<T> for tensors
// that are written: gradients, or weights being initialised (BlockGrad<T>).
// Tensor names in checkpoints are "blocks.<b>.<member>". As with any
// Eigen::Map, assigning a view writes values into the tensor; it never
// rebinds the view.
template <class M>
struct BlockViews {
  M ln1_g, ln1_b;   // [1, d] pre-attention LayerNorm gain, bias
  M wq, bq;         // [d, d], [1, d] query projection
  M wk, bk;         // [d, d], [1, d] key projection
  M wv, bv;         // [d, d], [1, d] value projection
  M wo, bo;         // [d, d], [1, d] attention output projection
  M ln2_g, ln2_b;   // [1, d] pre-FFN LayerNorm gain, bias
  M w1, b1;         // [d, f], [1, f] feed-forward in
  M w2, b2;         // [f, d], [1, d] feed-forward out
};

// The whole network (embeddings + blocks + final LayerNorm), as views.
template <class M>
struct SasrecViews {
  M item_emb;                        // [N + 1, d], row 0 = padding (kept zero)
  M pos_emb;                         // [L, d], row L-1 = the most recent position
  std::vector<BlockViews<M>> blocks;  // [blocks]
  M lnf_g, lnf_b;                    // [1, d] final LayerNorm gain, bias
};

template <class T>
using Block = BlockViews<CMatMap<T>>;
template <class T>
using BlockGrad = BlockViews<MatMap<T>>;
template <class T>
using Sasrec = SasrecViews<CMatMap<T>>;
template <class T>
using SasrecGrad = SasrecViews<MatMap<T>>;

// The tensors of a Config, in checkpoint order: item_emb, pos_emb, then per
// block ln1_g, ln1_b, wq, bq, wk, bk, wv, bv, wo, bo, ln2_g, ln2_b, w1, b1,
// w2, b2, then lnf_g, lnf_b.
class Layout {
 public:
  explicit Layout(const Config& config);
  const Config& config() const { return config_; }
  const std::vector<TensorSpec>& tensors() const { return tensors_; }
  size_t size() const { return size_; }

  // Named views of the tensors of `flat` (size() values); M is CMatMap<T>
  // or MatMap<T> and S its scalar type (const T or T).
  template <class M, class S>
  SasrecViews<M> bind(S* flat) const;

 private:
  // Indices into tensors_ of one block's tensors.
  struct BlockIndex {
    int ln1_g, ln1_b, wq, bq, wk, bk, wv, bv, wo, bo, ln2_g, ln2_b, w1, b1, w2, b2;
  };
  int add(std::string name, int32_t rows, int32_t cols);

  Config config_;
  std::vector<TensorSpec> tensors_;
  size_t size_ = 0;
  int item_emb_ = -1, pos_emb_ = -1, lnf_g_ = -1, lnf_b_ = -1;
  std::vector<BlockIndex> blocks_;
};

template <class M, class S>
SasrecViews<M> Layout::bind(S* flat) const {
  auto m = [&](int i) {
    const TensorSpec& s = tensors_[size_t(i)];
    return M(flat + s.offset, s.rows, s.cols);
  };
  SasrecViews<M> v{.item_emb = m(item_emb_), .pos_emb = m(pos_emb_), .blocks = {},
                   .lnf_g = m(lnf_g_), .lnf_b = m(lnf_b_)};
  v.blocks.reserve(blocks_.size());
  for (const BlockIndex& k : blocks_) {
    v.blocks.push_back({.ln1_g = m(k.ln1_g), .ln1_b = m(k.ln1_b), .wq = m(k.wq), .bq = m(k.bq),
                        .wk = m(k.wk), .bk = m(k.bk), .wv = m(k.wv), .bv = m(k.bv),
                        .wo = m(k.wo), .bo = m(k.bo), .ln2_g = m(k.ln2_g), .ln2_b = m(k.ln2_b),
                        .w1 = m(k.w1), .b1 = m(k.b1), .w2 = m(k.w2), .b2 = m(k.b2)});
  }
  return v;
}

// The flat parameter array, 64-byte aligned: Eigen's vectorised reductions
// (dot products, sums) split work by alignment, so the same alignment in every
// run is needed for bit-reproducible training.
template <class T>
using FlatVec = std::vector<T, Eigen::aligned_allocator<T>>;

// The flat array keeps its size and address for the life of a Params (the
// views point into it): it is written in place, through flat() or the views,
// never replaced. Copies and moves rebind the views to their own array.
template <class T>
class Params {
 public:
  explicit Params(std::shared_ptr<const Layout> layout)
      : layout_(std::move(layout)), flat_(layout_->size(), T(0)) {
    bind();
  }
  Params(const Params& o) : layout_(o.layout_), flat_(o.flat_) { bind(); }
  Params(Params&& o) : layout_(std::move(o.layout_)), flat_(std::move(o.flat_)) {
    bind();
    o.unbind();
  }
  Params& operator=(const Params& o) {
    if (this != &o) {
      layout_ = o.layout_;
      flat_ = o.flat_;
      bind();
    }
    return *this;
  }
  Params& operator=(Params&& o) {
    if (this != &o) {
      layout_ = std::move(o.layout_);
      flat_ = std::move(o.flat_);
      bind();
      o.unbind();
    }
    return *this;
  }

  const Layout& layout() const { return *layout_; }
  const std::shared_ptr<const Layout>& layout_ptr() const { return layout_; }
  const Config& config() const { return layout_->config(); }

  // Named read-only views of the tensors.
  const Sasrec<T>& net() const { return *net_; }
  // Named writable views (gradients; weights being initialised or fixed up).
  SasrecGrad<T>& mut() { return *mut_; }

  std::span<T> flat() { return flat_; }
  const FlatVec<T>& flat() const { return flat_; }
  void set_zero() { std::fill(flat_.begin(), flat_.end(), T(0)); }

  // Xavier-normal weights and embeddings (as the reference implementation),
  // zero biases and padding row, unit LayerNorm gains.
  void init(uint64_t seed);

  template <class U>
  Params<U> cast() const {
    Params<U> out(layout_);
    for (size_t i = 0; i < flat_.size(); ++i) out.flat()[i] = U(flat_[i]);
    return out;
  }

 private:
  // emplace, never assignment: assigning an Eigen::Map copies the values.
  void bind() {
    net_.emplace(layout_->template bind<CMatMap<T>>(static_cast<const T*>(flat_.data())));
    mut_.emplace(layout_->template bind<MatMap<T>>(flat_.data()));
  }
  void unbind() {
    net_.reset();
    mut_.reset();
  }

  std::shared_ptr<const Layout> layout_;
  FlatVec<T> flat_;
  std::optional<Sasrec<T>> net_;
  std::optional<SasrecGrad<T>> mut_;
};

template <class T>
void Params<T>::init(uint64_t seed) {
  // std::normal_distribution is implementation-defined, so initial weights
  // may differ between standard libraries (mt19937_64 itself does not);
  // kept as is because changing it would change every trained model.
  std::mt19937_64 rng(seed);
  for (const TensorSpec& s : layout_->tensors()) {
    T* p = flat_.data() + s.offset;
    const bool is_ln_gain = s.name.ends_with("_g");
    const bool is_vector = s.rows == 1;
    if (is_ln_gain) {
      std::fill(p, p + s.size(), T(1));
    } else if (is_vector) {
      std::fill(p, p + s.size(), T(0));
    } else {
      std::normal_distribution<double> dist(0.0, std::sqrt(2.0 / double(s.rows + s.cols)));
      for (size_t i = 0; i < s.size(); ++i) p[i] = T(dist(rng));
    }
  }
  mut().item_emb.row(0).setZero();
}

}  // namespace attnrec::model

// The weights of a SASRec network, stored in ONE flat array so that the
// optimizer, gradient reduction and checkpoints treat them uniformly. A
// Layout (derived from the Config) names each tensor and gives its shape and
// offset; Params<T> holds the flat array and hands out row-major Eigen maps.
// Gradients use the same type and layout as the weights.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <random>
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

// Indices into Layout::tensors for one transformer block. Weight matrices are
// [in, out] so that a layer is `Y = X W + b` on row-major [n, in] inputs.
struct BlockIndex {
  int ln1_g, ln1_b;   // [1, d] pre-attention LayerNorm
  int wq, bq;         // [d, d], [1, d]
  int wk, bk;
  int wv, bv;
  int wo, bo;         // attention output projection
  int ln2_g, ln2_b;   // [1, d] pre-FFN LayerNorm
  int w1, b1;         // [d, f], [1, f]
  int w2, b2;         // [f, d], [1, d]
};

class Layout {
 public:
  explicit Layout(const Config& config);
  const Config& config() const { return config_; }
  const std::vector<TensorSpec>& tensors() const { return tensors_; }
  size_t size() const { return size_; }

  int item_emb = -1;  // [N + 1, d], row 0 = padding (kept zero)
  int pos_emb = -1;   // [L, d], row L-1 = the most recent position
  int lnf_g = -1, lnf_b = -1;  // [1, d] final LayerNorm
  std::vector<BlockIndex> blocks;

 private:
  int add(std::string name, int32_t rows, int32_t cols);
  Config config_;
  std::vector<TensorSpec> tensors_;
  size_t size_ = 0;
};

// The flat parameter array, 64-byte aligned: Eigen's vectorised reductions
// (dot products, sums) split work by alignment, so the same alignment in every
// run is needed for bit-reproducible training.
template <class T>
using FlatVec = std::vector<T, Eigen::aligned_allocator<T>>;

template <class T>
class Params {
 public:
  Params() = default;
  explicit Params(std::shared_ptr<const Layout> layout)
      : layout_(std::move(layout)), flat_(layout_->size(), T(0)) {}

  const Layout& layout() const { return *layout_; }
  const std::shared_ptr<const Layout>& layout_ptr() const { return layout_; }
  const Config& config() const { return layout_->config(); }

  MatMap<T> m(int i) {
    const TensorSpec& s = layout_->tensors()[size_t(i)];
    return MatMap<T>(flat_.data() + s.offset, s.rows, s.cols);
  }
  CMatMap<T> m(int i) const {
    const TensorSpec& s = layout_->tensors()[size_t(i)];
    return CMatMap<T>(flat_.data() + s.offset, s.rows, s.cols);
  }
  FlatVec<T>& flat() { return flat_; }
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
  std::shared_ptr<const Layout> layout_;
  FlatVec<T> flat_;
};

template <class T>
void Params<T>::init(uint64_t seed) {
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
  m(layout_->item_emb).row(0).setZero();
}

}  // namespace attnrec::model

// Adam over the flat parameter array (Kingma & Ba), with optional decoupled
// weight decay (AdamW). Not thread-safe; one instance per training run.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace attnrec::model {

// A block of the flat array, `rows` x `width` from `offset`, of which a step
// updates only the listed rows (each at most once): the item embedding of a
// large catalog, where a batch touches a few thousand of a million rows.
// The other rows keep their weights and moments, as if their gradient had
// not been seen at all (TensorFlow's LazyAdam), rather than decaying them.
struct LazyRows {
  size_t offset = 0, rows = 0, width = 0;
  std::span<const int32_t> touched;
};

class Adam {
 public:
  Adam(size_t size, float beta1, float beta2, float weight_decay, float eps = 1e-8f);
  // w -= lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * w), everywhere
  // but the untouched rows of `lazy` when given.
  void step(std::span<float> w, std::span<const float> g, float lr, const LazyRows* lazy = nullptr);
  int64_t steps() const { return t_; }

 private:
  std::vector<float> m_, v_;
  float beta1_, beta2_, wd_, eps_;
  int64_t t_ = 0;
};

}  // namespace attnrec::model

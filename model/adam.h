// Adam over the flat parameter array (Kingma & Ba), with optional decoupled
// weight decay (AdamW). Not thread-safe; one instance per training run.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace attnrec::model {

class Adam {
 public:
  Adam(size_t size, float beta1, float beta2, float weight_decay, float eps = 1e-8f);
  // w -= lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * w)
  void step(std::span<float> w, std::span<const float> g, float lr);
  int64_t steps() const { return t_; }

 private:
  std::vector<float> m_, v_;
  float beta1_, beta2_, wd_, eps_;
  int64_t t_ = 0;
};

}  // namespace attnrec::model

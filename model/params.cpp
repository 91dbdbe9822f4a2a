#include "model/params.h"

namespace attnrec::model {

Layout::Layout(const Config& config) : config_(config) {
  assert(config.validate().is_ok());
  const int32_t d = config.d, f = config.ffn_width();
  item_emb_ = add("item_emb", config.num_items + 1, d);
  pos_emb_ = add("pos_emb", config.maxlen, d);
  for (int32_t b = 0; b < config.blocks; ++b) {
    const std::string p = "blocks." + std::to_string(b) + ".";
    BlockIndex k{};
    k.ln1_g = add(p + "ln1_g", 1, d);
    k.ln1_b = add(p + "ln1_b", 1, d);
    k.wq = add(p + "wq", d, d);
    k.bq = add(p + "bq", 1, d);
    k.wk = add(p + "wk", d, d);
    k.bk = add(p + "bk", 1, d);
    k.wv = add(p + "wv", d, d);
    k.bv = add(p + "bv", 1, d);
    k.wo = add(p + "wo", d, d);
    k.bo = add(p + "bo", 1, d);
    k.ln2_g = add(p + "ln2_g", 1, d);
    k.ln2_b = add(p + "ln2_b", 1, d);
    k.w1 = add(p + "w1", d, f);
    k.b1 = add(p + "b1", 1, f);
    k.w2 = add(p + "w2", f, d);
    k.b2 = add(p + "b2", 1, d);
    blocks_.push_back(k);
  }
  lnf_g_ = add("lnf_g", 1, d);
  lnf_b_ = add("lnf_b", 1, d);
}

int Layout::add(std::string name, int32_t rows, int32_t cols) {
  // 16-float alignment keeps every tensor on a 64-byte boundary for AVX-512.
  size_ = (size_ + 15) / 16 * 16;
  tensors_.push_back({std::move(name), rows, cols, size_});
  size_ += size_t(rows) * size_t(cols);
  return int(tensors_.size()) - 1;
}

}  // namespace attnrec::model

#include "service/training/train_options.h"

#include <algorithm>

namespace attnrec::service {

Status TrainOptions::validate() const {
  model::Config m = model;
  m.num_items = std::max(m.num_items, 2);  // set from the data later; here only to validate
  if (Status s = m.validate(); !s.is_ok()) return s;
  const model::TrainConfig& t = train;
  if (t.batch < 1 || t.epochs < 1 || t.threads < 1 || !(t.lr > 0) || t.max_minutes < 0) {
    return Status::invalid_argument("batch, epochs and threads must be >= 1, lr > 0, max_minutes >= 0");
  }
  return Status::ok();
}

}  // namespace attnrec::service

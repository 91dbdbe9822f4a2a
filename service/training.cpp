#include "service/training.h"

#include "model/evaluator.h"

namespace attnrec::service {

Status train_and_test(const model::Dataset& data, TrainSpec spec,
                      const model::Trainer::ProgressFn& progress,
                      const model::Trainer::EpochFn& on_epoch, TrainRun* run) {
  spec.config.num_items = data.num_items();
  if (data.num_items() < 2 || data.user_ids.empty()) {
    return Status::invalid_argument("not enough data to train: " + std::to_string(data.user_ids.size()) +
                                    " users, " + std::to_string(data.num_items()) + " items");
  }
  if (const auto why = spec.config.validate(); !why.is_ok()) {
    return Status::invalid_argument("bad model settings: " + why.message());
  }
  const model::TrainConfig& t = spec.train;
  if (t.batch < 1 || t.epochs < 1 || t.threads < 1 || !(t.lr > 0) || t.max_minutes < 0) {
    return Status::invalid_argument("batch, epochs and threads must be >= 1, lr > 0, max_minutes >= 0");
  }
  model::Trainer trainer(spec.config, spec.train, data);
  run->result = trainer.fit(progress, on_epoch);

  run->test = model::evaluate_test(*run->result.model, data, spec.train.threads);
  run->report_json = model::train_report_json(spec.config, spec.train, spec.source, run->result, run->test);
  return Status::ok();
}

}  // namespace attnrec::service

#include "service/training.h"

#include <chrono>

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
  if (const std::string why = spec.config.validate(); !why.empty()) {
    return Status::invalid_argument("bad model settings: " + why);
  }
  const model::TrainConfig& t = spec.train;
  if (t.batch < 1 || t.epochs < 1 || t.threads < 1 || !(t.lr > 0) || t.max_minutes < 0) {
    return Status::invalid_argument("batch, epochs and threads must be >= 1, lr > 0, max_minutes >= 0");
  }
  model::Trainer trainer(spec.config, spec.train, data);
  run->result = trainer.fit(progress, on_epoch);

  const auto t0 = std::chrono::steady_clock::now();
  model::EvalOptions eo;
  eo.threads = spec.train.threads;
  eo.protocol = model::Protocol::kFull;
  run->test.full = model::evaluate(*run->result.model, data, model::Split::kTest, eo);
  eo.protocol = model::Protocol::kSampled;
  run->test.sampled = model::evaluate(*run->result.model, data, model::Split::kTest, eo);
  run->test.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run->report_json = model::train_report_json(spec.config, spec.train, spec.source, run->result, run->test);
  return Status::ok();
}

}  // namespace attnrec::service

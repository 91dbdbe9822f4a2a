#include "service/training/train_run.h"

#include "model/evaluator.h"
#include "service/training/train_report.h"

namespace attnrec::service {

Status train_and_test(const model::Dataset& data, const TrainOptions& options,
                      const std::string& source,
                      const model::Trainer::ProgressFn& progress,
                      const model::Trainer::EpochFn& on_epoch, TrainRun* run) {
  if (Status s = options.validate(); !s.is_ok()) return s;
  model::Config config = options.model;
  config.num_items = data.num_items();
  if (data.num_items() < 2 || data.user_ids.empty()) {
    return Status::invalid_argument("not enough data to train: " + std::to_string(data.user_ids.size()) +
                                    " users, " + std::to_string(data.num_items()) + " items");
  }
  model::Trainer trainer(config, options.train, data);
  run->result = trainer.fit(progress, on_epoch);
  if (run->result.cancelled) {
    run->result.model.reset();
    return Status::cancelled("training was cancelled");
  }
  if (run->result.diverged) {
    run->result.model.reset();
    return Status::invalid_argument("training " + run->result.stop_reason +
                                    "; nothing was saved (a lower learning rate usually helps)");
  }

  run->test = model::evaluate_test(*run->result.model, data, options.train.threads);
  run->popularity_test =
      trainer.popularity().evaluate(data, model::Split::kTest, model::test_user_limit(data.num_items()));
  run->report_json = train_report_json(config, options.train, source, run->result, run->test, run->popularity_test);
  return Status::ok();
}

}  // namespace attnrec::service

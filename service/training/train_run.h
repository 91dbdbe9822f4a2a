// One training run, the same for `attnrec train` (file or store) and the
// service's background jobs: fit with early stopping on validation NDCG@10
// (full ranking), then evaluate the leave-one-out test items under both
// protocols and build the JSON report. Popularity over the items trained on
// is ranked beside the model on the same validation and test items
// (model/popularity_baseline.h); a model that does not beat it on
// validation is written and reported but not activated by the service.
#pragma once

#include <functional>
#include <string>

#include "model/dataset.h"
#include "model/evaluator.h"
#include "model/trainer.h"
#include "base/status.h"
#include "service/training/train_options.h"

namespace attnrec::service {

struct TrainRun {
  model::TrainResult result;  // result.model is the best model on validation
  model::TestReport test;
  // The popularity baseline of the same training items on the test items
  // (full ranking; result.popularity_valid is its validation figure).
  model::RankMetrics popularity_test;
  std::string report_json;
};

// kInvalidArgument for bad flags, data too small to split, or a run that
// diverged (its loss became NaN or inf: lower the learning rate);
// kCancelled when `progress` returned false. On any failure `run` holds no
// model to keep. Progress callbacks run on the calling thread.
// `source` names the data in the report (a file, or "store:DIR").
Status train_and_test(const model::Dataset& data, const TrainOptions& options,
                      const std::string& source,
                      const model::Trainer::ProgressFn& progress,
                      const model::Trainer::EpochFn& on_epoch, TrainRun* run);

}  // namespace attnrec::service

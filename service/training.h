// One training run, the same for `attnrec train` (file or store) and the
// service's background jobs: fit with early stopping on validation NDCG@10
// (full ranking), then evaluate the leave-one-out test items under both
// protocols and build the JSON report.
#pragma once

#include <functional>
#include <string>

#include "model/dataset.h"
#include "model/train_report.h"
#include "model/trainer.h"
#include "service/status.h"

namespace attnrec::service {

struct TrainSpec {
  model::Config config;      // num_items is taken from the data
  model::TrainConfig train;
  std::string source;        // what the data came from, for the report
};

struct TrainRun {
  model::TrainResult result;  // result.model is the best model on validation
  model::TestReport test;
  std::string report_json;
};

// Thrown by a progress callback to stop a run (a cancelled job); it leaves
// train_and_test before any result exists. Nothing else should throw it.
struct TrainingCancelled {};

// kInvalidArgument for bad flags or data too small to split; training and
// evaluation failures otherwise. Progress callbacks run on the calling thread.
Status train_and_test(const model::Dataset& data, TrainSpec spec,
                      const model::Trainer::ProgressFn& progress,
                      const model::Trainer::EpochFn& on_epoch, TrainRun* run);

}  // namespace attnrec::service

// The JSON document written next to a trained model (MODEL.json): the
// configuration, per-epoch loss / validation metrics / timings, and the
// final test metrics under both protocols.
#pragma once

#include <string>
#include <vector>

#include "model/config.h"
#include "model/evaluator.h"
#include "model/metrics.h"
#include "model/trainer.h"

namespace attnrec::model {

std::string train_report_json(const Config& config, const TrainConfig& train,
                              const std::string& input, const TrainResult& result,
                              const TestReport& test);

}  // namespace attnrec::model

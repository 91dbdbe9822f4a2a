// The JSON of training results: the report written next to a trained model
// (MODEL.json, and the `report` of its registry record) and the pieces the
// HTTP API shows of a job. One encoder for model/'s structs, which write no
// JSON themselves. Numbers keep 6 significant digits; a non-finite number
// (a diverged loss) is written as null, so the document always parses.
#pragma once

#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "model/config.h"
#include "model/evaluator.h"
#include "model/metrics.h"
#include "model/trainer.h"
#include "service/training/jobs.h"
#include "service/training/train_options.h"

namespace attnrec::service {

// {"protocol","hr@10","ndcg@10","mrr","users"}
boost::json::object metrics_json(const model::RankMetrics& m, const std::string& protocol);
// {"full":{..},"sampled":{..},"seconds"}
boost::json::object test_json(const model::TestReport& test);
// {"epoch","loss","train_seconds","seqs_per_sec","elapsed_seconds"
//  (,"eval_seconds","valid") (,"test")}
boost::json::object epoch_json(const model::EpochStats& e);
// {"config":{"num_items","maxlen","dim","blocks","heads","d_ff","dropout","activation","attention","window"},
//  "train":{"loss","epochs",...},"activate":"always"|"if_not_worse"}
boost::json::object options_json(const TrainOptions& options);
// A job's options in that form: options_json(job.options), or for a job
// restored after a restart the form it was saved in (null if unreadable).
boost::json::value job_options_json(const TrainJob& job);

// {"input","config","train","epochs":[..],"best_epoch","best_valid",
//  "popularity":{"valid","test","margin"},"beats_popularity","stop_reason",
//  "train_seconds","test"}, as text. `popularity_test` is the popularity
// baseline on the test items (full ranking).
std::string train_report_json(const model::Config& config, const model::TrainConfig& train,
                              const std::string& input, const model::TrainResult& result,
                              const model::TestReport& test, const model::RankMetrics& popularity_test);

}  // namespace attnrec::service

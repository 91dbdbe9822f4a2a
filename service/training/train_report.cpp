#include "service/training/train_report.h"

#include <cstdio>
#include <cstdlib>

#include <boost/json/parse.hpp>

#include "service/json_codec.h"

namespace attnrec::service {
namespace {

namespace json = boost::json;

// 6 significant digits (a float's noise is not worth printing); non-finite
// values stay non-finite and serialize_json writes them as null.
double num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return std::strtod(buf, nullptr);
}

json::object config_json(const model::Config& c) {
  return {{"num_items", c.num_items}, {"maxlen", c.maxlen},       {"dim", c.d},
          {"blocks", c.blocks},       {"heads", c.heads},         {"d_ff", c.ffn_width()},
          {"dropout", num(c.dropout)},
          {"activation", c.act == model::Activation::kGelu ? "gelu" : "relu"},
          {"attention", model::attention_name(c.attention)},
          {"window", c.window}};
}

json::object train_json(const model::TrainConfig& t) {
  return {{"loss", model::loss_name(t.loss)},
          {"epochs", t.epochs},
          {"max_minutes", num(t.max_minutes)},
          {"batch", t.batch},
          {"lr", num(t.lr)},
          {"weight_decay", num(t.weight_decay)},
          {"negatives", t.num_negatives()},
          {"lazy_embedding_items", t.lazy_embedding_items},
          {"seed", t.seed},
          {"threads", t.threads},
          {"patience", t.patience},
          {"warmup_steps", t.warmup_steps},
          {"lr_decay", t.lr_decay},
          {"ema", num(t.ema_decay)},
          {"all_windows", t.all_windows},
          {"eval_users", t.eval_users},
          {"train_on_valid", t.train_on_valid},
          {"protocol", std::string(model::train_protocol_name(t.protocol))},
          {"trace_test", t.trace_test}};
}

}  // namespace

json::object metrics_json(const model::RankMetrics& m, const std::string& protocol) {
  return {{"protocol", protocol},
          {"hr@10", num(m.hr10())},
          {"ndcg@10", num(m.ndcg10())},
          {"mrr", num(m.mrr())},
          {"users", m.users}};
}

json::object test_json(const model::TestReport& test) {
  return {{"full", metrics_json(test.full, "full")},
          {"sampled", metrics_json(test.sampled, "sampled-100")},
          {"seconds", num(test.seconds)}};
}

json::object epoch_json(const model::EpochStats& e) {
  json::object o{{"epoch", e.epoch},
                 {"loss", num(e.loss)},
                 {"train_seconds", num(e.train_seconds)},
                 {"seqs_per_sec", num(e.seqs_per_sec)},
                 {"sequences", e.sequences},
                 {"elapsed_seconds", num(e.elapsed_seconds)}};
  if (e.evaluated) {
    o["eval_seconds"] = num(e.eval_seconds);
    o["valid"] = metrics_json(e.valid, "full");
  }
  if (e.traced) {
    o["test"] = json::object{{"full", metrics_json(e.test.full, "full")},
                             {"sampled", metrics_json(e.test.sampled, "sampled-100")}};
  }
  return o;
}

json::object options_json(const TrainOptions& options) {
  return {{"config", config_json(options.model)},
          {"train", train_json(options.train)},
          {"activate", options.activate_always ? "always" : "if_not_worse"}};
}

json::value job_options_json(const TrainJob& job) {
  if (job.restored_options.empty()) return options_json(job.options);
  boost::system::error_code ec;
  json::value v = json::parse(job.restored_options, ec);
  return ec ? json::value(nullptr) : v;
}

std::string train_report_json(const model::Config& config, const model::TrainConfig& train,
                              const std::string& input, const model::TrainResult& result,
                              const model::TestReport& test, const model::RankMetrics& popularity_test) {
  json::array epochs;
  for (const model::EpochStats& e : result.epochs) epochs.emplace_back(epoch_json(e));
  const json::object report{{"input", input},
                            {"config", config_json(config)},
                            {"train", train_json(train)},
                            {"epochs", std::move(epochs)},
                            {"best_epoch", result.best_epoch},
                            {"best_valid", metrics_json(result.best_valid, "full")},
                            {"popularity", json::object{{"valid", metrics_json(result.popularity_valid, "full")},
                                                        {"test", metrics_json(popularity_test, "full")},
                                                        {"margin", num(result.popularity_margin())}}},
                            {"beats_popularity", result.beats_popularity()},
                            {"stop_reason", result.stop_reason},
                            {"train_seconds", num(result.seconds)},
                            {"test", test_json(test)}};
  return serialize_json(report) + "\n";
}

}  // namespace attnrec::service

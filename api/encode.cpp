#include "api/encode.h"

#include <boost/json.hpp>

#include "service/json_codec.h"
#include "service/training/train_report.h"

namespace attnrec::api {

namespace json = boost::json;

json::object encode_history_event(const service::HistoryEvent& event) {
  json::object o;
  o["item"] = event.item;
  o["type"] = event.type;
  o["ts"] = service::format_rfc3339(event.ts_ms);
  o["weight"] = event.weight;
  return o;
}

namespace {

json::value version_or_null(const std::string& version) {
  return version.empty() ? json::value(nullptr) : json::value(version);
}

json::value time_or_null(int64_t ms) { return ms > 0 ? json::value(service::format_rfc3339(ms)) : json::value(nullptr); }

}  // namespace

json::object encode_recommendations(const service::Recommendations& recs, bool explain,
                                    json::storage_ptr sp) {
  json::array items(sp);
  items.reserve(recs.items.size());
  for (const auto& scored : recs.items) {
    json::object entry({{"id", scored.item}, {"score", scored.score}}, sp);
    if (explain) {
      json::array because(sp);
      for (const auto& b : scored.because) because.emplace_back(b);
      entry["because"] = std::move(because);
    }
    items.emplace_back(std::move(entry));
  }
  return json::object({{"strategy", recs.strategy},
                       {"model_version", version_or_null(recs.model_version)},
                       {"items", std::move(items)}},
                      sp);
}

json::object encode_rank_results(const service::RankResults& ranked, json::storage_ptr sp) {
  json::array items(sp);
  items.reserve(ranked.items.size());
  for (const auto& r : ranked.items) {
    items.emplace_back(json::object({{"id", r.item}, {"score", r.score}, {"fallback", r.fallback}}, sp));
  }
  return json::object({{"strategy", ranked.strategy},
                       {"model_version", version_or_null(ranked.model_version)},
                       {"items", std::move(items)}},
                      sp);
}

json::object encode_attention(const service::AttentionMap& ex) {
  json::array layers;
  for (const auto& layer : ex.layers) {
    json::array heads;
    for (const auto& head : layer) {
      json::array weights;
      for (const auto& w : head) {
        weights.emplace_back(json::object{{"item", w.item}, {"position", w.position}, {"weight", w.weight}});
      }
      heads.emplace_back(json::object{{"weights", std::move(weights)}});
    }
    layers.emplace_back(json::object{{"heads", std::move(heads)}});
  }
  return json::object{{"model_version", version_or_null(ex.model_version)},
                      {"score", ex.score},
                      {"layers", std::move(layers)}};
}

json::object encode_search_results(const service::SearchResults& results) {
  json::array items;
  items.reserve(results.items.size());
  for (const auto& h : results.items) {
    items.emplace_back(json::object{{"id", h.item},
                                    {"title", h.title},
                                    {"score", h.score},
                                    {"text_score", h.text_score},
                                    {"personal_score", h.personal_score}});
  }
  return json::object{{"strategy", results.strategy},
                      {"model_version", version_or_null(results.model_version)},
                      {"items", std::move(items)}};
}

json::object encode_train_job(const service::TrainJob& job) {
  json::array epochs;
  for (const auto& e : job.history) epochs.emplace_back(service::epoch_json(e));
  json::value metrics = nullptr;
  if (job.metrics) {
    const service::JobMetrics& m = *job.metrics;
    metrics = json::object{{"valid", service::metrics_json(m.valid, "full")},
                           {"popularity_valid", service::metrics_json(m.popularity_valid, "full")},
                           {"test_full", service::metrics_json(m.test.full, "full")},
                           {"test_sampled", service::metrics_json(m.test.sampled, "sampled-100")},
                           {"best_epoch", m.best_epoch},
                           {"stop_reason", m.stop_reason},
                           {"seconds", m.seconds}};
  }
  json::object o{{"job", job.id},
                 {"state", service::job_state_name(job.state)},
                 {"trigger", job.trigger},
                 {"options", service::job_options_json(job)},
                 {"created", time_or_null(job.created_ms)},
                 {"started", time_or_null(job.started_ms)},
                 {"finished", time_or_null(job.finished_ms)},
                 {"progress", json::object{{"epoch", job.epoch},
                                           {"epochs", job.epochs},
                                           {"batch", job.batch},
                                           {"batches", job.batches},
                                           {"loss", job.loss},
                                           {"seqs_per_sec", job.seqs_per_sec},
                                           {"eta_seconds", job.eta_seconds}}},
                 {"epochs", std::move(epochs)},
                 {"metrics", std::move(metrics)},
                 {"version", version_or_null(job.version)},
                 {"activated", job.activated},
                 {"decision", job.decision}};
  if (!job.error.empty()) o["error"] = job.error;
  return o;
}

json::object encode_model_record(const service::ModelRecord& r, bool active) {
  boost::system::error_code ec;
  json::value report = json::parse(r.report_json, ec);
  return json::object{{"version", r.version},
                      {"created", time_or_null(r.created_ms)},
                      {"file", r.file},
                      {"source", r.source},
                      {"users", r.users},
                      {"items", r.items},
                      {"interactions", r.interactions},
                      {"valid_ndcg", r.valid_ndcg},
                      {"report", ec ? json::value(nullptr) : std::move(report)},
                      {"active", active}};
}

}  // namespace attnrec::api

// Recommender: the model registry, atomic activation, background training
// jobs and the retrain schedule.
#include <cstdio>
#include <iostream>

#include <boost/json.hpp>

#include "model/checkpoint.h"
#include "model/evaluator.h"
#include "service/recommender_impl.h"
#include "service/codec.h"
#include "service/store_training.h"
#include "service/training.h"

namespace attnrec::service {
namespace {

namespace json = boost::json;

Status option_error(std::string_view key, std::string_view what) {
  return Status::invalid_argument("`" + std::string(key) + "` " + std::string(what));
}

template <class T>
Status read_int(const json::value& v, std::string_view key, T lo, T hi, T* out) {
  if (!v.is_int64() && !v.is_uint64()) return option_error(key, "must be an integer");
  const auto x = v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64());
  if (x < static_cast<int64_t>(lo) || x > static_cast<int64_t>(hi)) {
    return option_error(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  *out = static_cast<T>(x);
  return Status::ok();
}

template <class T>
Status read_real(const json::value& v, std::string_view key, double lo, double hi, T* out) {
  double x = 0;
  if (v.is_double()) x = v.get_double();
  else if (v.is_int64()) x = static_cast<double>(v.get_int64());
  else if (v.is_uint64()) x = static_cast<double>(v.get_uint64());
  else return option_error(key, "must be a number");
  if (!(x >= lo && x <= hi)) {
    return option_error(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  *out = static_cast<T>(x);
  return Status::ok();
}

// The training settings of a job: the service's defaults with the job's
// overrides. Every key is checked; unknown keys are refused.
Status parse_train_options(const json::object& options, const Config& config, TrainSpec* spec,
                           bool* always) {
  spec->config = config.model;
  spec->train = config.train;
  *always = config.activate_always;
  model::Config& m = spec->config;
  model::TrainConfig& t = spec->train;
  for (const auto& [key, v] : options) {
    Status s;
    if (key == "epochs") s = read_int(v, key, 1, 100000, &t.epochs);
    else if (key == "max_minutes") s = read_real(v, key, 0.0, 7 * 24 * 60.0, &t.max_minutes);
    else if (key == "patience") s = read_int(v, key, 0, 100000, &t.patience);
    else if (key == "batch") s = read_int(v, key, 1, 65536, &t.batch);
    else if (key == "lr") s = read_real(v, key, 1e-7, 1.0, &t.lr);
    else if (key == "weight_decay") s = read_real(v, key, 0.0, 1.0, &t.weight_decay);
    else if (key == "negatives") s = read_int(v, key, 0, 100000, &t.negatives);
    else if (key == "seed") s = read_int<uint64_t>(v, key, 0, uint64_t(1) << 62, &t.seed);
    else if (key == "threads") s = read_int(v, key, 1, 256, &t.threads);
    else if (key == "maxlen") s = read_int(v, key, 1, 4096, &m.maxlen);
    else if (key == "dim") s = read_int(v, key, 1, 4096, &m.d);
    else if (key == "blocks") s = read_int(v, key, 1, 64, &m.blocks);
    else if (key == "heads") s = read_int(v, key, 1, 64, &m.heads);
    else if (key == "dropout") s = read_real(v, key, 0.0, 0.95, &m.dropout);
    else if (key == "ffn") s = read_int(v, key, 0, 65536, &m.d_ff);
    else if (key == "ema") s = read_real(v, key, 0.0, 0.99999, &t.ema_decay);
    else if (key == "warmup") s = read_int(v, key, 0, 100000000, &t.warmup_steps);
    else if (key == "eval_every") s = read_int(v, key, 1, 100000, &t.eval_every);
    else if (key == "eval_users") s = read_int(v, key, 0, 100000000, &t.eval_users);
    else if (key == "train_on_valid") {
      if (!v.is_bool()) s = option_error(key, "must be true or false");
      else t.train_on_valid = v.get_bool();
    } else if (key == "all_windows") {
      if (!v.is_bool()) s = option_error(key, "must be true or false");
      else t.all_windows = v.get_bool();
    } else if (key == "lr_decay") {
      if (!v.is_bool()) s = option_error(key, "must be true or false");
      else t.lr_decay = v.get_bool();
    } else if (key == "activation") {
      if (v == "relu") m.act = model::Activation::kRelu;
      else if (v == "gelu") m.act = model::Activation::kGelu;
      else s = option_error(key, "must be \"relu\" or \"gelu\"");
    }
    else if (key == "loss") {
      const auto loss = v.is_string() ? model::parse_loss(std::string(v.get_string())) : std::nullopt;
      if (!loss) s = option_error(key, "must be \"bce\", \"ce\" or \"sampled-ce\"");
      else t.loss = *loss;
    } else if (key == "activate") {
      if (v == "always") *always = true;
      else if (v == "if_not_worse") *always = false;
      else s = option_error(key, "must be \"always\" or \"if_not_worse\"");
    } else {
      s = Status::invalid_argument("unknown training option `" + std::string(key) + "`");
    }
    if (!s.is_ok()) return s;
  }
  m.num_items = std::max(m.num_items, 2);  // set from the data later; here only to validate
  if (const auto why = m.validate(); !why.is_ok()) return Status::invalid_argument(why.message());
  return Status::ok();
}

json::value metrics_json(const model::RankMetrics& m, const std::string& protocol) {
  return json::parse(m.to_json(protocol));
}

}  // namespace

Status Recommender::Impl::load_live_model() {
  const std::string version = registry->active();
  if (version.empty()) return Status::ok();
  json::object record;
  Status s = registry->get(version, &record);
  if (s.is_ok()) {
    auto net = model::load_checkpoint(registry->checkpoint_path(version));
    if (!net) {
      s = Status::internal(net.error());
    } else {
      double ndcg = 0;
      if (auto* v = record.if_contains("valid_ndcg")) ndcg = v->to_number<double>();
      live.store(make_serving_model(net.value(), version, ndcg, *store));
      return Status::ok();
    }
  }
  // Serving goes on with the popularity fallback; the operator sees why.
  std::cerr << "warning: the active model " << version << " could not be loaded (" << s.message()
            << "); serving the popularity fallback until a model is activated\n";
  return Status::ok();
}

std::string Recommender::live_model_version() const {
  const auto live = impl_->live.load();
  return live ? live->version : std::string();
}

Status Recommender::list_models(json::array* out) const {
  out->clear();
  std::vector<json::object> records;
  if (Status s = impl_->registry->list(&records); !s.is_ok()) return s;
  const std::string live = live_model_version();
  for (auto& r : records) {
    r["active"] = !live.empty() && r.at("version").as_string() == live;
    out->push_back(std::move(r));
  }
  return Status::ok();
}

Status Recommender::activate_model(std::string_view version) { return impl_->activate(version); }

Status Recommender::Impl::activate(std::string_view version) {
  std::lock_guard lock(activate_mu);
  json::object record;
  if (Status s = registry->get(version, &record); !s.is_ok()) return s;
  auto net = model::load_checkpoint(registry->checkpoint_path(version));
  if (!net) {
    return Status::conflict("model " + quoted(version) + " cannot be loaded, the live model keeps serving: " +
                            net.error());
  }
  double ndcg = 0;
  if (auto* v = record.if_contains("valid_ndcg")) ndcg = v->to_number<double>();
  auto serving = make_serving_model(net.value(), std::string(version), ndcg, *store);
  if (Status s = registry->set_active(version); !s.is_ok()) return s;
  // Requests that loaded the old model finish with it; new ones see this one.
  live.store(std::move(serving));
  return Status::ok();
}

Status Recommender::start_training(const json::object& options, std::string* job_id) {
  TrainSpec spec;
  bool always = false;
  if (Status s = parse_train_options(options, impl_->config, &spec, &always); !s.is_ok()) return s;
  *job_id = impl_->jobs->submit(options, "api");
  return Status::ok();
}

Status Recommender::training_job(const std::string& id, TrainJob* job) const {
  return impl_->jobs->get(id, job);
}

Status Recommender::cancel_training(const std::string& id) { return impl_->jobs->cancel(id); }

Status Recommender::train_now(const json::object& options, JobContext& ctx) {
  return impl_->run_job(options, ctx);
}

Status Recommender::Impl::run_job(const json::object& options, JobContext& ctx) {
  TrainSpec spec;
  bool always = false;
  if (Status s = parse_train_options(options, config, &spec, &always); !s.is_ok()) return s;
  spec.source = "store:" + config.data_dir;
  events_since_train = 0;

  model::Dataset data;
  if (Status s = read_store_dataset(*store, &data); !s.is_ok()) return s;
  ctx.update([&](TrainJob& j) { j.epochs = spec.train.epochs; });

  TrainRun run;
  auto progress = [&](const model::Progress& p) {
    if (ctx.cancelled()) throw TrainingCancelled{};
    ctx.update([&](TrainJob& j) {
      j.epoch = p.epoch;
      j.epochs = p.epochs;
      j.batch = p.batch;
      j.batches = p.batches;
      j.loss = p.loss;
      j.eta_seconds = p.eta_seconds;
    });
  };
  auto on_epoch = [&](const model::EpochStats& e) {
    json::object point{{"epoch", e.epoch},
                       {"loss", e.loss},
                       {"seconds", e.train_seconds},
                       {"seqs_per_sec", e.seqs_per_sec}};
    if (e.evaluated) point["valid"] = metrics_json(e.valid, "full");
    ctx.update([&](TrainJob& j) { j.history.push_back(std::move(point)); });
  };
  try {
    if (Status s = train_and_test(data, spec, progress, on_epoch, &run); !s.is_ok()) return s;
  } catch (const TrainingCancelled&) {
    return Status::ok();  // the job manager marks it cancelled; nothing was written
  }

  // Write the checkpoint and its record before deciding anything: a version
  // that is not activated can still be activated by hand later.
  std::string version;
  if (Status s = registry->next_version(&version); !s.is_ok()) return s;
  const std::string path = registry->checkpoint_path(version);
  if (const auto saved = model::save_checkpoint(*run.result.model, path); !saved.is_ok()) {
    return Status::internal("writing " + path + ": " + saved.message());
  }
  const double new_ndcg = run.result.best_valid.ndcg10();
  json::object record{{"version", version},
                      {"created", format_rfc3339(now_ms())},
                      {"file", "models/" + version + ".sasrec"},
                      {"users", data.user_ids.size()},
                      {"items", data.num_items()},
                      {"interactions", data.num_interactions()},
                      {"valid_ndcg", new_ndcg},
                      {"report", json::parse(run.report_json)}};
  if (Status s = registry->add(record); !s.is_ok()) return s;

  // Compare on the same validation split: the live model is evaluated on
  // today's data through its own item dictionary.
  std::string decision;
  bool activate = true;
  if (const auto current = live.load(); current && !always) {
    const model::Dataset remapped = remap_dataset(data, current->net->item_ids());
    model::EvalOptions eo;
    eo.threads = spec.train.threads;
    eo.max_users = spec.train.eval_users;  // the users whose validation items no model trained on
    const double live_ndcg = model::evaluate(*current->net, remapped, model::Split::kValid, eo).ndcg10();
    activate = new_ndcg >= live_ndcg - config.activate_margin;
    char buf[200];
    std::snprintf(buf, sizeof buf, "validation NDCG@10 (full) %.4f vs live %s %.4f, margin %.4f", new_ndcg,
                  current->version.c_str(), live_ndcg, config.activate_margin);
    decision = buf;
  } else {
    decision = always ? "activation forced" : "no live model";
  }
  const Status activated = activate ? this->activate(version) : Status::ok();
  ctx.update([&](TrainJob& j) {
    j.version = version;
    j.activated = activate && activated.is_ok();
    j.decision = decision;
    j.metrics = json::object{{"valid", metrics_json(run.result.best_valid, "full")},
                             {"test_full", metrics_json(run.test.full, "full")},
                             {"test_sampled", metrics_json(run.test.sampled, "sampled-100")},
                             {"best_epoch", run.result.best_epoch},
                             {"stop_reason", run.result.stop_reason},
                             {"seconds", run.result.seconds}};
  });
  return activated;
}

void Recommender::Impl::schedule_loop() {
  auto last = std::chrono::steady_clock::now();
  std::unique_lock lock(schedule_mu);
  while (!stopping) {
    schedule_cv.wait_for(lock, std::chrono::seconds(5));
    if (stopping) break;
    const bool by_time = config.retrain_every_minutes > 0 &&
                         std::chrono::steady_clock::now() - last >=
                             std::chrono::duration<double>(config.retrain_every_minutes * 60);
    const bool by_events = config.retrain_every_events > 0 &&
                           events_since_train.load() >= config.retrain_every_events;
    if ((by_time || by_events) && !jobs->busy()) {
      jobs->submit(json::object{}, "schedule");
      events_since_train = 0;
      last = std::chrono::steady_clock::now();
    }
  }
}

}  // namespace attnrec::service

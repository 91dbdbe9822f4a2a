#include "service/training/lifecycle.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "base/durable_file.h"
#include "base/log.h"
#include "model/checkpoint.h"
#include "model/evaluator.h"
#include "service/clock.h"
#include "service/config.h"
#include "service/training/store_dataset.h"
#include "service/training/train_run.h"
#include "service/validate.h"
#include "storage/store.h"

namespace attnrec::service {

ModelLifecycle::ModelLifecycle(storage::Store& store, LiveModel& live, const Config& config, ModelRole role,
                               PublishFn publish)
    : store_(store),
      live_(live),
      config_(config),
      role_(role),
      publish_(std::move(publish)),
      registry_(store, config.data_dir),
      journal_(store) {}

ModelLifecycle::~ModelLifecycle() {
  {
    std::lock_guard lock(schedule_mu_);
    stopping_ = true;
  }
  schedule_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  jobs_.reset();  // cancels and waits for a running job before the store closes
}

Status ModelLifecycle::start() {
  if (Status s = load_live(); !s.is_ok()) return s;
  jobs_ = std::make_unique<TrainJobs>(
      [this](const TrainOptions& options, const std::string& trigger, JobContext& ctx) {
        return run_job(options, trigger, ctx);
      },
      &journal_);
  const bool scheduled = config_.retrain_every_minutes > 0 || config_.retrain_every_events > 0;
  if (scheduled && role_ == ModelRole::kFollower) {
    log::warn("retrain_every_minutes and retrain_every_events are ignored on a cluster node: "
              "`attnrec train --nats` trains for the cluster");
  } else if (scheduled) {
    scheduler_ = std::thread([this] { schedule_loop(); });
  }
  return Status::ok();
}

TrainOptions ModelLifecycle::default_options() const {
  return TrainOptions{config_.model, config_.train, config_.activate_always};
}

Status ModelLifecycle::load_live() {
  // What a crash left: temporary files of interrupted writes, and
  // checkpoints written whole by a job that died before recording them.
  // Nothing else writes models/ now: no job runs yet, and the store's lock
  // keeps out `attnrec train` on the same directory.
  std::vector<std::string> removed;
  if (Status s = registry_.remove_leftovers(&removed); !s.is_ok()) {
    log::warn(s.message());
  }
  for (const std::string& f : removed) {
    log::warn("removed a file left by an interrupted write or training job", {{"file", f}});
  }

  // The active version, else the one active before it, else popularity.
  const std::string active = registry_.active();
  if (active.empty()) return Status::ok();
  std::vector<std::string> candidates{active};
  if (const std::string previous = registry_.previous_active(); !previous.empty() && previous != active) {
    candidates.push_back(previous);
  }
  std::string failures;
  for (const std::string& version : candidates) {
    ModelRecord record;
    Status s = registry_.get(version, &record);
    if (s.is_ok()) {
      auto net = model::load_checkpoint(registry_.checkpoint_path(version), config_.item_index);
      if (net) {
        if (version != active) {
          log::warn("the active model could not be loaded; serving the previously active one until a model is activated",
                    {{"active", active}, {"error", failures}, {"serving", version}});
        }
        live_.store(make_serving_model(net.value(), version, record.valid_ndcg, record.created_ms, store_));
        return Status::ok();
      }
      s = net.status();
    }
    failures += (failures.empty() ? "" : "; ") + s.message();
  }
  // Serving goes on with the popularity fallback; the operator sees why.
  log::warn("the active model could not be loaded; serving the popularity fallback until a model is activated",
            {{"active", active}, {"error", failures}});
  return Status::ok();
}

std::string ModelLifecycle::live_version() const {
  const auto live = live_.load();
  return live ? live->version : std::string();
}

Status ModelLifecycle::list(std::vector<ModelRecord>* records) const { return registry_.list(records); }

Status ModelLifecycle::refuse_follower(std::string_view what) const {
  if (role_ != ModelRole::kFollower) return Status::ok();
  return Status::conflict("this node is in cluster mode, where `attnrec train --nats` " + std::string(what) +
                          " for every node; this node serves the cluster's active model");
}

Status ModelLifecycle::activate(std::string_view version) {
  if (Status s = refuse_follower("activates models"); !s.is_ok()) return s;
  std::lock_guard lock(activate_mu_);
  ModelRecord record;
  if (Status s = registry_.get(version, &record); !s.is_ok()) return s;
  // Read once: a trainer publishes the same bytes it loads.
  const std::string path = registry_.checkpoint_path(version);
  std::string bytes;
  Status read = read_file(path, &bytes);
  auto net = read.is_ok() ? model::parse_checkpoint(bytes, path, config_.item_index)
                          : Result<std::shared_ptr<const model::Model>>(std::move(read));
  if (!net) {
    return Status::conflict("model " + quoted(version) + " cannot be loaded, the live model keeps serving: " +
                            net.error());
  }
  if (role_ == ModelRole::kTrainer) {
    // The cluster first: a version it did not take is active nowhere.
    if (Status s = publish_(record, bytes); !s.is_ok()) return s;
  }
  return make_live(version, record, net.value());
}

Status ModelLifecycle::make_live(std::string_view version, const ModelRecord& record,
                                 std::shared_ptr<const model::Model> net) {
  auto serving = make_serving_model(std::move(net), std::string(version), record.valid_ndcg, record.created_ms,
                                    store_);
  if (Status s = registry_.set_active(version); !s.is_ok()) return s;
  // Requests that loaded the old model finish with it; new ones see this one.
  live_.store(std::move(serving));
  return Status::ok();
}

Status ModelLifecycle::follow(std::string_view version, const FetchFn& fetch) {
  std::lock_guard lock(activate_mu_);
  if (live_version() == version) return Status::ok();
  ModelRecord record;
  if (Status s = fetch(version, &record, nullptr); !s.is_ok()) return s;
  std::shared_ptr<const model::Model> net;
  ModelRecord local;
  if (registry_.get(version, &local).is_ok() && local.created_ms == record.created_ms &&
      local.report_json == record.report_json) {
    // Had before (a restart, or a rollback to it): no fetch.
    auto loaded = model::load_checkpoint(registry_.checkpoint_path(version), config_.item_index);
    if (loaded) net = loaded.value();
  }
  if (net == nullptr) {
    std::string bytes;
    if (Status s = fetch(version, &record, &bytes); !s.is_ok()) return s;
    auto parsed = model::parse_checkpoint(bytes, "model " + std::string(version) + " from the cluster",
                                          config_.item_index);
    if (!parsed) return parsed.status();
    net = parsed.value();
    if (Status s = registry_.add_external(record, bytes); !s.is_ok()) return s;
  }
  if (Status s = store_.add_items(net->item_ids()); !s.is_ok()) return s;
  return make_live(version, record, std::move(net));
}

Status ModelLifecycle::start_training(const TrainOptions& options, std::string* job_id) {
  if (Status s = refuse_follower("trains models"); !s.is_ok()) return s;
  if (Status s = options.validate(); !s.is_ok()) return s;
  *job_id = jobs_->submit(options, "api");
  return Status::ok();
}

Status ModelLifecycle::job(std::string_view id, TrainJob* job) const { return jobs_->get(id, job); }

Status ModelLifecycle::cancel(std::string_view id) { return jobs_->cancel(id); }

Status ModelLifecycle::train_now(const TrainOptions& options, JobContext& ctx) {
  if (Status s = refuse_follower("trains models"); !s.is_ok()) return s;
  ctx.update([&](TrainJob& j) {
    j.trigger = "cli";
    j.options = options;
  });
  return run_job(options, "cli", ctx);
}

void ModelLifecycle::on_events(uint64_t n) {
  if (config_.retrain_every_events > 0 &&
      (events_since_train_ += n) >= config_.retrain_every_events) {
    schedule_cv_.notify_all();
  }
}

Status ModelLifecycle::run_job(const TrainOptions& options, const std::string& trigger,
                               JobContext& ctx) {
  // Before the store is read: bad options fail at once.
  if (Status s = options.validate(); !s.is_ok()) return s;
  ctx.update([&](TrainJob& j) { j.epochs = options.train.epochs; });
  events_since_train_ = 0;

  model::Dataset data;
  if (Status s = read_store_dataset(store_, config_.types, &data); !s.is_ok()) return s;

  TrainRun run;
  auto progress = [&](const model::Progress& p) {
    if (ctx.cancelled()) return false;  // the trainer stops after this batch
    ctx.update([&](TrainJob& j) {
      j.epoch = p.epoch;
      j.epochs = p.epochs;
      j.batch = p.batch;
      j.batches = p.batches;
      j.loss = p.loss;
      j.seqs_per_sec = p.seqs_per_sec;
      j.eta_seconds = p.eta_seconds;
    });
    return true;
  };
  auto on_epoch = [&](const model::EpochStats& e) {
    ctx.update([&](TrainJob& j) { j.history.push_back(e); });
  };
  // A cancelled or diverged run returns before anything is written.
  if (Status s = train_and_test(data, options, "store:" + config_.data_dir, progress, on_epoch, &run);
      !s.is_ok()) {
    return s;
  }

  // Write the checkpoint and its record before deciding anything: a version
  // that is not activated can still be activated by hand later.
  std::string version;
  if (Status s = registry_.next_version(&version); !s.is_ok()) return s;
  const std::string path = registry_.checkpoint_path(version);
  if (Status s = model::save_checkpoint(*run.result.model, path); !s.is_ok()) {
    return s.with_prefix("writing " + path + ": ");
  }
  const double new_ndcg = run.result.best_valid.ndcg10();
  ModelRecord record;
  record.version = version;
  record.created_ms = now_ms();
  record.file = "models/" + version + ".sasrec";
  record.source = trigger;
  record.users = data.user_ids.size();
  record.items = static_cast<uint64_t>(data.num_items());
  record.interactions = static_cast<uint64_t>(data.num_interactions());
  record.valid_ndcg = new_ndcg;
  record.report_json = run.report_json;
  if (Status s = registry_.add(record); !s.is_ok()) {
    // Nothing names the checkpoint (the store refused the record: a full
    // disk): remove it rather than leave an orphan taking the space.
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return s;
  }

  // Compare on the same validation split: the live model is evaluated on
  // today's data through its own item dictionary.
  std::string decision;
  bool activate = true;
  const auto current = live_.load();
  const double popularity_ndcg = run.result.popularity_valid.ndcg10();
  if (!options.activate_always && !run.result.beats_popularity()) {
    // No better than the popularity fallback on the items that picked the
    // epoch: keep serving what serves now.
    activate = false;
    char buf[300];
    std::snprintf(buf, sizeof buf,
                  "validation NDCG@10 (full) %.4f does not beat popularity %.4f (noise %.4f) on the same %lld "
                  "users; %s keeps serving",
                  new_ndcg, popularity_ndcg, run.result.popularity_margin(),
                  static_cast<long long>(run.result.best_valid.users),
                  current ? ("live model " + current->version).c_str() : "the popularity fallback");
    decision = buf;
  } else if (current && !options.activate_always) {
    const model::Dataset remapped = remap_dataset(data, current->net->item_ids());
    model::EvalOptions eo;
    eo.threads = options.train.threads;
    eo.max_users = options.train.eval_users;  // the users whose validation items no model trained on
    const double live_ndcg = model::evaluate(*current->net, remapped, model::Split::kValid, eo).ndcg10();
    activate = new_ndcg >= live_ndcg - config_.activate_margin;
    char buf[200];
    std::snprintf(buf, sizeof buf, "validation NDCG@10 (full) %.4f vs live %s %.4f, margin %.4f (popularity %.4f)",
                  new_ndcg, current->version.c_str(), live_ndcg, config_.activate_margin, popularity_ndcg);
    decision = buf;
  } else {
    char buf[200];
    std::snprintf(buf, sizeof buf, "%s: validation NDCG@10 (full) %.4f, popularity %.4f",
                  options.activate_always ? "activation forced" : "no live model", new_ndcg, popularity_ndcg);
    decision = buf;
  }
  const Status activated = activate ? this->activate(version) : Status::ok();
  if (activated.is_ok() && activate && role_ == ModelRole::kTrainer) decision += "; published to the cluster";
  ctx.update([&](TrainJob& j) {
    j.version = version;
    j.activated = activate && activated.is_ok();
    j.decision = decision;
    j.metrics = JobMetrics{run.result.best_valid, run.test, run.result.best_epoch, run.result.stop_reason,
                           run.result.seconds, run.result.popularity_valid};
  });
  return activated;
}

void ModelLifecycle::schedule_loop() {
  auto last = std::chrono::steady_clock::now();
  std::unique_lock lock(schedule_mu_);
  while (!stopping_) {
    schedule_cv_.wait_for(lock, std::chrono::seconds(5));
    if (stopping_) break;
    const bool by_time = config_.retrain_every_minutes > 0 &&
                         std::chrono::steady_clock::now() - last >=
                             std::chrono::duration<double>(config_.retrain_every_minutes * 60);
    const bool by_events = config_.retrain_every_events > 0 &&
                           events_since_train_.load() >= config_.retrain_every_events;
    if ((by_time || by_events) && !jobs_->busy()) {
      jobs_->submit(default_options(), "schedule");
      events_since_train_ = 0;
      last = std::chrono::steady_clock::now();
    }
  }
}

}  // namespace attnrec::service

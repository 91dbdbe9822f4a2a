#include "service/service.h"

#include <algorithm>
#include <filesystem>

#include "service/clock.h"
#include "service/cluster/catalog_log.h"
#include "service/cluster/event_log.h"
#include "service/cluster/model_log.h"
#include "service/cluster/shard_applier.h"
#include "service/cluster/shards.h"
#include "storage/store.h"

namespace attnrec::service {

Service::Service(const Config& config)
    : config_(config),
      popularity_(config.popularity_half_life_days, now_ms(), config.popularity_refresh_ms),
      encoder_cache_(config.encoder_cache_users) {
  live_.set_on_swap([this] { encoder_cache_.clear(); });
}

Service::~Service() = default;

Status Service::open(const Config& config, std::unique_ptr<Service>* out) {
  std::unique_ptr<Service> service(new Service(config));
  if (Status s = service->load(); !s.is_ok()) return s;
  service->ready_ = true;
  *out = std::move(service);
  return Status::ok();
}

Status Service::load() {
  storage::Options options;
  // DATA_DIR holds the RocksDB store in store/ and checkpoints in models/, so
  // operators can keep other files (imports, demo data) beside them.
  options.path = (std::filesystem::path(config_.data_dir) / "store").string();
  options.sync = config_.sync_writes ? storage::SyncPolicy::kSync : storage::SyncPolicy::kNoSync;
  // In cluster mode the event stream is the durable copy and the store a
  // view of it: a view's writes go to the WAL unsynced (in order, so an
  // applied sequence that survives a crash never runs ahead of its events)
  // and what a power loss takes is replayed from the stream.
  if (config_.cluster.enabled()) options.sync = storage::SyncPolicy::kNoSync;
  options.history_cap = config_.history_cap;
  if (Status s = storage::Store::open(options, &store_); !s.is_ok()) return s;
  const ClusterConfig& cc = config_.cluster;
  if (cc.enabled()) {
    if (Status s = cluster::EventLog::open(cc, &event_log_); !s.is_ok()) return s;
    if (Status s = cluster::CatalogLog::open(event_log_->jetstream(), event_log_->replicas(),
                                             &catalog_log_);
        !s.is_ok()) {
      return s;
    }
    if (Status s = cluster::ModelLog::open(event_log_->jetstream(), event_log_->replicas(), cc.node, &model_log_);
        !s.is_ok()) {
      return s;
    }
    if (Status s = model_log_->agree_shards(cc.shards); !s.is_ok()) return s;
  }

  Catalog::PublishFn publish;
  if (catalog_log_) publish = [this](Catalog::Records r) { return catalog_log_->publish(r); };
  catalog_ = std::make_unique<Catalog>(*store_, search_index_, config_, std::move(publish));
  ModelRole role = ModelRole::kLocal;
  ModelLifecycle::PublishFn publish_model;
  if (cc.enabled()) role = cc.trainer ? ModelRole::kTrainer : ModelRole::kFollower;
  if (cc.trainer) {
    publish_model = [this](const ModelRecord& r, const std::string& bytes) { return model_log_->publish(r, bytes); };
  }
  models_ = std::make_unique<ModelLifecycle>(*store_, live_, config_, role, std::move(publish_model));
  events_ = std::make_unique<Events>(
      *store_, popularity_, metrics_, config_, [this](uint64_t n) { models_->on_events(n); },
      [this](uint32_t user) { encoder_cache_.invalidate(user); }, event_log_.get());
  recommender_ = std::make_unique<Recommender>(*store_, *catalog_, popularity_, live_, encoder_cache_,
                                               config_);
  search_ = std::make_unique<Search>(search_index_, *store_, *catalog_, live_, encoder_cache_, config_);
  if (Status s = catalog_->load(); !s.is_ok()) return s;
  if (Status s = events_->load(); !s.is_ok()) return s;
  if (Status s = models_->start(); !s.is_ok()) return s;
  if (cc.enabled()) {
    const auto node = std::find(cc.nodes.begin(), cc.nodes.end(), cc.node) - cc.nodes.begin();
    applier_ = std::make_unique<cluster::ShardApplier>(
        event_log_->jetstream(), *store_, cc.node,
        cluster::viewed_shards(static_cast<uint32_t>(node), static_cast<uint32_t>(cc.nodes.size()),
                               cc.shards),
        [this](std::vector<storage::Event> events) { return events_->apply_logged(std::move(events)); },
        [this](std::string_view user) { return events_->erase_logged(user); });
    if (Status s = applier_->start(); !s.is_ok()) return s;
    catalog_log_->start([this](Catalog::Records r) { return catalog_->apply_records(r); });
    model_log_->start([this](const std::string& version) {
      return models_->follow(version, [this](std::string_view v, ModelRecord* r, std::string* bytes) {
        return model_log_->fetch(v, r, bytes);
      });
    });
  }
  return Status::ok();
}

bool Service::ready() const {
  return ready_ && (applier_ == nullptr || applier_->caught_up()) &&
         (catalog_log_ == nullptr || catalog_log_->caught_up()) &&
         (model_log_ == nullptr || model_log_->caught_up());
}

ServiceStats Service::stats() const {
  const storage::Stats s = store_->stats();
  ServiceStats out;
  out.users = s.users;
  out.items = s.items;
  out.events = s.events;
  out.disk_bytes = s.disk_bytes;
  out.catalog_items = catalog_->size();
  const EncoderCache::Stats c = encoder_cache_.stats();
  out.encoder_cache_hits = c.hits;
  out.encoder_cache_misses = c.misses;
  out.encoder_cache_entries = c.entries;
  out.encoder_cache_capacity = c.capacity;
  out.now_ms = now_ms();
  if (const auto live = live_.load()) {
    out.model_version = live->version;
    out.model_valid_ndcg = live->valid_ndcg;
    out.model_created_ms = live->created_ms;
  }
  out.training_jobs = models_->job_counts();
  return out;
}

}  // namespace attnrec::service

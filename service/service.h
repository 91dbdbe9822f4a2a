// The recommender service without HTTP: one object that opens the store and
// composes the parts, each a class with one job:
//   events()       ingest, history, erasure           (service/events.h)
//   catalog()      items: upsert, read, delete         (service/catalog.h)
//   recommender()  recommendations, rank, similar, explain (service/recommend/)
//   search()       personalised text search            (service/search/)
//   models()       registry, live model, retrain jobs  (service/training/)
//
// Thread safety: every part may be used from any number of threads at once.
// The parts live as long as the Service.
#pragma once

#include <memory>

#include "base/status.h"
#include "service/catalog.h"
#include "service/config.h"
#include "service/events.h"
#include "service/metrics.h"
#include "service/popularity.h"
#include "service/recommend/encoder_cache.h"
#include "service/recommend/recommender.h"
#include "service/search/search.h"
#include "service/search/search_index.h"
#include "service/training/lifecycle.h"
#include "service/training/live_model.h"

namespace attnrec::storage { class Store; }
namespace attnrec::service::cluster {
class CatalogLog;
class EventLog;
class ModelLog;
class ShardApplier;
}  // namespace attnrec::service::cluster

namespace attnrec::service {

class Service {
 public:
  // Opens (or creates) the store under config.data_dir, rebuilds the
  // in-memory state (catalog view, search index, popularity), loads the
  // active model and starts the retrain worker. A store that cannot be
  // opened is reported.
  static Status open(const Config& config, std::unique_ptr<Service>* out);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  const Config& config() const { return config_; }
  Events& events() { return *events_; }
  const Events& events() const { return *events_; }
  Catalog& catalog() { return *catalog_; }
  const Catalog& catalog() const { return *catalog_; }
  const Recommender& recommender() const { return *recommender_; }
  const Search& search() const { return *search_; }
  ModelLifecycle& models() { return *models_; }
  const ModelLifecycle& models() const { return *models_; }
  // Counters for /metrics; the API records its requests here too.
  Metrics& metrics() const { return metrics_; }

  // True once open() has finished and the service can answer; in cluster
  // mode also once the node's views have caught up with the event log and
  // the catalog, and it has followed the cluster's active model.
  bool ready() const;
  ServiceStats stats() const;

 private:
  explicit Service(const Config& config);
  Status load();

  // Declaration order is construction order; destruction runs backwards,
  // so the retrain worker (models_) stops before anything it uses goes.
  const Config config_;
  std::unique_ptr<storage::Store> store_;
  mutable Metrics metrics_;
  Popularity popularity_;
  SearchIndex search_index_;
  LiveModel live_;
  EncoderCache encoder_cache_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<Events> events_;
  std::unique_ptr<Recommender> recommender_;
  std::unique_ptr<Search> search_;
  std::unique_ptr<ModelLifecycle> models_;
  // Cluster mode only (config.cluster): last, so the applier's threads stop
  // first and the log's pending appends finish while the parts still live.
  std::unique_ptr<cluster::EventLog> event_log_;
  std::unique_ptr<cluster::ShardApplier> applier_;
  std::unique_ptr<cluster::CatalogLog> catalog_log_;
  std::unique_ptr<cluster::ModelLog> model_log_;
  bool ready_ = false;
};

}  // namespace attnrec::service

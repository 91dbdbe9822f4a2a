// Recommender: opening, ingest, catalog, history and erasure. Recommendations
// live in recommend.cpp, models and training in models.cpp.
#include "service/recommender.h"

#include <algorithm>
#include <filesystem>

#include "service/recommender_impl.h"
#include "service/validate.h"

namespace attnrec::service {

Recommender::Impl::Impl(const Config& c)
    : config(c), popularity(c.popularity_half_life_days, now_ms(), c.popularity_refresh_ms) {}

Recommender::Impl::~Impl() {
  {
    std::lock_guard lock(schedule_mu);
    stopping = true;
  }
  schedule_cv.notify_all();
  if (scheduler.joinable()) scheduler.join();
  jobs.reset();  // cancels and waits for a running job before the store closes
}

Status Recommender::Impl::load() {
  storage::Options options;
  // DATA_DIR holds the RocksDB store in store/ and checkpoints in models/, so
  // operators can keep other files (imports, demo data) beside them.
  options.path = (std::filesystem::path(config.data_dir) / "store").string();
  options.sync = config.sync_writes ? storage::SyncPolicy::kSync : storage::SyncPolicy::kNoSync;
  options.history_cap = config.history_cap;
  if (Status s = from_storage(storage::Store::open(options, &store)); !s.is_ok()) return s;
  registry = std::make_unique<ModelRegistry>(*store, config.data_dir);

  Status bad;
  attnrec::Status s = store->scan_catalog(
      [&](uint32_t id, std::string_view item_id, std::string_view record) {
        if (record.empty()) {  // tombstone of a deleted item
          catalog.erase(id);
          return;
        }
        auto item = std::make_shared<Item>();
        if (Status d = Catalog::decode_record(item_id, record, item.get()); !d.is_ok()) {
          if (bad.is_ok()) bad = d;
          return;
        }
        search_index.upsert(id, *item);
        catalog.upsert(id, std::move(item));
      });
  if (!s.is_ok()) return from_storage(s);
  if (!bad.is_ok()) return bad;
  if (Status p = from_storage(store->scan_events([&](uint32_t, uint32_t item, int64_t ts, float w) {
        popularity.add(item, ts, w);
      }));
      !p.is_ok()) {
    return p;
  }
  return load_live_model();
}

bool Recommender::Impl::eligible(uint32_t item, const ItemFilter& filter) const {
  if (filter.excluded.count(item) || catalog.deleted(item)) return false;
  auto entry = catalog.find(item);
  if (entry && !entry->available) return false;
  if (filter.tags.empty()) return true;
  if (!entry) return false;
  return std::any_of(entry->tags.begin(), entry->tags.end(), [&](const std::string& t) {
    return std::find(filter.tags.begin(), filter.tags.end(), t) != filter.tags.end();
  });
}

Status Recommender::Impl::user_history(std::string_view user, std::vector<uint32_t>* items) const {
  items->clear();
  const uint32_t uid = store->find_user(user);
  if (!uid) return Status::ok();
  std::vector<storage::HistoryEntry> entries;
  if (Status s = from_storage(store->history(uid, config.history_cap, &entries)); !s.is_ok()) return s;
  items->reserve(entries.size());
  for (const auto& e : entries) items->push_back(e.item);
  return Status::ok();
}

std::vector<uint32_t> Recommender::Impl::find_items(const std::vector<std::string>& items) const {
  std::vector<uint32_t> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    if (const uint32_t id = store->find_item(item)) out.push_back(id);
  }
  return out;
}

void Recommender::Impl::popular(size_t k, const ItemFilter& filter, Recommendations* out) const {
  out->strategy = "popularity";
  out->model_version.clear();
  out->items.clear();
  popularity.for_each_ranked([&](uint32_t item, double score) {
    if (eligible(item, filter)) out->items.push_back({store->item_name(item), score, {}});
    return out->items.size() < k;
  });
}

Recommender::Recommender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Recommender::~Recommender() = default;

Status Recommender::open(const Config& config, std::unique_ptr<Recommender>* out) {
  auto impl = std::make_unique<Impl>(config);
  if (Status s = impl->load(); !s.is_ok()) return s;
  Impl* raw = impl.get();
  impl->jobs = std::make_unique<TrainJobs>(
      [raw](const boost::json::object& options, JobContext& ctx) { return raw->run_job(options, ctx); });
  if (config.retrain_every_minutes > 0 || config.retrain_every_events > 0) {
    impl->scheduler = std::thread([raw] { raw->schedule_loop(); });
  }
  impl->ready = true;
  out->reset(new Recommender(std::move(impl)));
  return Status::ok();
}

const Config& Recommender::config() const { return impl_->config; }
bool Recommender::ready() const { return impl_->ready; }
Metrics& Recommender::metrics() const { return impl_->metrics; }

Status Recommender::ingest(std::span<const EventInput> events, IngestResult* result) {
  *result = {};
  if (events.empty()) return Status::invalid_argument("no events given");
  if (events.size() > impl_->config.max_batch_events) {
    impl_->metrics.add_events_rejected(events.size());
    return Status::too_large("a batch holds at most " + std::to_string(impl_->config.max_batch_events) +
                             " events; got " + std::to_string(events.size()));
  }
  const int64_t now = now_ms();
  std::vector<storage::Event> batch;
  batch.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (Status s = check_event(events[i]); !s.is_ok()) {
      impl_->metrics.add_events_rejected(events.size());
      return events.size() > 1 ? s.with_prefix("events[" + std::to_string(i) + "]: ") : s;
    }
    const EventInput& e = events[i];
    batch.push_back({e.user, e.item, e.type, e.ts_ms.value_or(now), e.weight, e.id});
  }
  storage::WriteResult written;
  if (Status s = from_storage(impl_->store->write_events(batch, &written)); !s.is_ok()) {
    impl_->metrics.add_events_rejected(events.size());
    return s;
  }
  result->accepted = written.written;
  result->duplicates = written.duplicates;
  impl_->metrics.add_events_ingested(written.written);
  impl_->metrics.add_events_duplicate(written.duplicates);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!written.stored.empty() && !written.stored[i]) continue;  // a duplicate
    impl_->popularity.add(impl_->store->find_item(batch[i].item), batch[i].ts_ms, batch[i].weight);
  }
  if (impl_->config.retrain_every_events > 0 &&
      (impl_->events_since_train += written.written) >= impl_->config.retrain_every_events) {
    impl_->schedule_cv.notify_all();
  }
  return Status::ok();
}

Status Recommender::put_item(Item item) {
  std::vector<Item> items;
  items.push_back(std::move(item));
  return put_items(std::move(items));
}

Status Recommender::put_items(std::vector<Item> items) {
  if (items.empty()) return Status::invalid_argument("no items given");
  if (items.size() > impl_->config.max_batch_items) {
    return Status::too_large("a batch holds at most " + std::to_string(impl_->config.max_batch_items) +
                             " items; got " + std::to_string(items.size()));
  }
  const int64_t now = now_ms();
  std::vector<std::pair<std::string, std::string>> records;
  records.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (Status s = check_item(items[i]); !s.is_ok()) {
      return items.size() > 1 ? s.with_prefix("items[" + std::to_string(i) + "]: ") : s;
    }
    items[i].updated_ms = now;
    records.emplace_back(items[i].id, Catalog::encode_record(items[i]));
  }
  if (Status s = from_storage(impl_->store->put_catalog(records)); !s.is_ok()) return s;
  for (auto& item : items) {
    const uint32_t id = impl_->store->find_item(item.id);
    impl_->search_index.upsert(id, item);
    impl_->catalog.upsert(id, std::make_shared<const Item>(std::move(item)));
  }
  return Status::ok();
}

Status Recommender::get_item(std::string_view id, Item* item) const {
  const uint32_t internal = impl_->store->find_item(id);
  auto entry = internal ? impl_->catalog.find(internal) : nullptr;
  if (!entry) return Status::not_found("no item " + quoted(id) + " in the catalog");
  *item = *entry;
  return Status::ok();
}

Status Recommender::delete_item(std::string_view id) {
  const uint32_t internal = impl_->store->find_item(id);
  if (!internal || !impl_->catalog.find(internal)) {
    return Status::not_found("no item " + quoted(id) + " in the catalog");
  }
  // A tombstone, not a delete: the id and its events stay, and the item must
  // not come back into recommendations after a restart.
  const std::pair<std::string, std::string> tombstone{std::string(id), std::string()};
  if (Status s = from_storage(impl_->store->put_catalog({&tombstone, 1})); !s.is_ok()) return s;
  impl_->catalog.erase(internal);
  impl_->search_index.remove(internal);
  return Status::ok();
}

Status Recommender::history(std::string_view user, size_t limit,
                            std::vector<HistoryEvent>* out) const {
  out->clear();
  const uint32_t uid = impl_->store->find_user(user);
  if (!uid) return Status::not_found("no user " + quoted(user));
  std::vector<storage::HistoryEntry> entries;
  if (Status s = from_storage(impl_->store->history(uid, limit, &entries)); !s.is_ok()) return s;
  out->reserve(entries.size());
  for (auto& e : entries) out->push_back({std::move(e.item_id), std::move(e.type), e.ts_ms, e.weight});
  return Status::ok();
}

Status Recommender::erase_user(std::string_view user) {
  const uint32_t uid = impl_->store->find_user(user);
  if (!uid) return Status::not_found("no user " + quoted(user));
  // Take the user's events out of the popularity aggregate as well.
  std::vector<storage::HistoryEntry> entries;
  if (Status s = from_storage(impl_->store->history(uid, impl_->config.history_cap, &entries));
      !s.is_ok()) {
    return s;
  }
  if (Status s = from_storage(impl_->store->erase_user(user)); !s.is_ok()) return s;
  for (const auto& e : entries) impl_->popularity.add(e.item, e.ts_ms, e.weight, -1);
  return Status::ok();
}

ServiceStats Recommender::stats() const {
  const storage::Stats s = impl_->store->stats();
  ServiceStats out;
  out.users = s.users;
  out.items = s.items;
  out.events = s.events;
  out.disk_bytes = s.disk_bytes;
  out.catalog_items = impl_->catalog.size();
  return out;
}

}  // namespace attnrec::service

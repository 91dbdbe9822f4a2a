#include "storage/rocks/database.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>

#include "base/log.h"
#include "storage/rocks/fault_fs.h"
#include "storage/rocks/history_merge.h"
#include "storage/rocks/keys.h"
#include "storage/rocks/rocks_status.h"

namespace attnrec::storage {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, kNumCfs> kCfNames = {
    keys::kMeta,   keys::kUserIds, keys::kUsers,   keys::kItemIds, keys::kItems,
    keys::kCatalog, keys::kLog,    keys::kHistory, keys::kDedup,   keys::kModels};

rocksdb::CompressionType pick_compression() {
  const auto supported = rocksdb::GetSupportedCompressions();
  for (auto c : {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), c) != supported.end()) return c;
  }
  return rocksdb::kNoCompression;
}

// RocksDB's own recovery from a full disk polls the free space every few
// seconds, and Resume() refuses while it waits; RocksStore resumes at the
// next write instead (rocks_store.cpp), so the store writes again as soon as
// the disk does.
class ResumeOnNextWrite : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

rocksdb::DBOptions db_options(rocksdb::Env* env) {
  rocksdb::DBOptions o;
  o.env = env;
  o.listeners.push_back(std::make_shared<ResumeOnNextWrite>());
  o.create_if_missing = true;  // the directory checks in open() decide
  o.create_missing_column_families = false;  // never alter a store before its version is checked
  o.max_background_jobs = 2;
  o.bytes_per_sync = 1 << 20;
  // Small CFs (meta) are written by every batch; this bound makes RocksDB
  // flush them so old WAL files can go.
  o.max_total_wal_size = 256 << 20;
  o.keep_log_file_num = 4;
  o.max_log_file_size = 16 << 20;
  return o;
}

rocksdb::ColumnFamilyOptions cf_options(Cf c, const Options& options,
                                        const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  o.level_compaction_dynamic_level_bytes = true;
  o.compression = pick_compression();
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.format_version = 5;
  // Every CF but the log is read by point lookups (dedup checks on ingest
  // are mostly misses); the log is only scanned.
  if (c != kLogCf) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  switch (c) {
    case kLogCf:
      o.write_buffer_size = 64 << 20;
      o.max_write_buffer_number = 4;
      break;
    case kDedupCf:
      // Ingest looks up every idempotency key, nearly always a miss: a
      // memtable bloom filter answers most misses without a skip-list descent.
      o.memtable_prefix_bloom_size_ratio = 0.05;
      o.memtable_whole_key_filtering = true;
      o.write_buffer_size = 16 << 20;
      break;
    case kHistoryCf:
      o.merge_operator = make_history_merge_operator(options.history_cap);
      o.write_buffer_size = 64 << 20;
      break;
    default:
      o.write_buffer_size = 16 << 20;
      break;
  }
  return o;
}

}  // namespace

// A destructor cannot report a failed flush; every acknowledged write is in
// the WAL regardless, and the next open replays it.
Database::~Database() { (void)close(); }

Status Database::check_version(std::string_view value) const {
  uint32_t version = 0;
  if (!keys::parse_u32(value, &version)) {
    return Status::corruption("store " + in_quotes(path_) + " has a malformed schema version (" +
                              std::to_string(value.size()) + " bytes)");
  }
  if (version > kSchemaVersion) {
    return Status::invalid_argument("store " + in_quotes(path_) + " has schema version " + std::to_string(version) +
                                    ", newer than this build supports (" + std::to_string(kSchemaVersion) +
                                    "); use a newer attnrec");
  }
  if (version < kSchemaVersion) {
    return Status::invalid_argument("store " + in_quotes(path_) + " has schema version " + std::to_string(version) +
                                    ", older than this build's " + std::to_string(kSchemaVersion) +
                                    ", and no migration exists");
  }
  return Status::ok();
}

Status Database::open(const Options& options) {
  path_ = options.path;
  if (path_.empty()) return Status::invalid_argument("store path is empty");
  if (options.history_cap == 0) return Status::invalid_argument("history_cap must be at least 1");

  // Decide between creating and opening before RocksDB touches anything, so
  // that a foreign directory is refused rather than turned into a store.
  std::error_code ec;
  const auto st = fs::status(path_, ec);
  bool fresh = false;
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) return Status::invalid_argument(in_quotes(path_) + " is not a directory");
    if (!fs::exists(fs::path(path_) / "CURRENT", ec)) {
      if (!fs::is_empty(path_, ec)) {
        return Status::invalid_argument(
            in_quotes(path_) + " is not an attnrec store: the directory is not empty and holds no RocksDB database");
      }
      fresh = true;
    }
  } else {
    if (!options.create_if_missing) return Status::not_found("no store at " + in_quotes(path_));
    fs::create_directories(path_, ec);
    if (ec) return Status::io_error("create store directory " + in_quotes(path_) + ": " + ec.message());
    fresh = true;
  }
  if (fresh && !options.create_if_missing) {
    return Status::not_found("no store at " + in_quotes(path_) + " (the directory is empty)");
  }

  std::vector<std::string> existing{rocksdb::kDefaultColumnFamilyName};
  if (!fresh) {
    existing.clear();
    auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path_, &existing);
    if (!s.ok()) return from_rocks(s, "list column families", path_);
    if (std::find(existing.begin(), existing.end(), keys::kMeta) == existing.end()) {
      return Status::invalid_argument(in_quotes(path_) +
                                      " holds a RocksDB database that is not an attnrec store (no \"meta\" column family)");
    }
  }

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  auto index_of = [](std::string_view name) {
    return static_cast<size_t>(std::find(kCfNames.begin(), kCfNames.end(), name) - kCfNames.begin());
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : existing) {
    size_t i = index_of(name);
    // RocksDB must open every CF; unknown ones (a newer schema) get defaults.
    descriptors.emplace_back(name, i < kNumCfs ? cf_options(static_cast<Cf>(i), options, cache)
                                               : rocksdb::ColumnFamilyOptions());
  }
  rocksdb::DB* raw = nullptr;
  if (!env_) env_ = make_fault_env();
  auto s = rocksdb::DB::Open(db_options(env_.get()), path_, descriptors, &handles_, &raw);
  if (!s.ok()) {
    handles_.clear();
    if (is_lock_error(s)) {
      return Status::unavailable("store " + in_quotes(path_) +
                                 " is already open by another process (or another Store in this one): " + s.ToString());
    }
    return from_rocks(s, "open", path_);
  }
  db_.reset(raw);
  for (size_t h = 0; h < handles_.size(); ++h) {
    size_t i = index_of(existing[h]);
    if (i < kNumCfs) cf_[i] = handles_[h];
  }

  Status result = check_schema(fresh, options, cache);
  if (!result.is_ok()) (void)close();  // the schema error is the one to report
  return result;
}

Status Database::check_schema(bool fresh, const Options& options, const std::shared_ptr<rocksdb::Cache>& cache) {
  if (!fresh) {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), cf_[kMetaCf], std::string(keys::kSchemaVersion), &value);
    if (s.IsNotFound()) {
      // A crash between creating the CFs and writing the version leaves an
      // empty meta CF: finish creating. Anything else is not ours.
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kMetaCf]));
      it->SeekToFirst();
      if (it->Valid()) {
        return Status::invalid_argument(in_quotes(path_) + " is not an attnrec store (no schema version in \"meta\")");
      }
      fresh = true;
    } else if (!s.ok()) {
      return from_rocks(s, "read schema version", path_);
    } else if (uint32_t v1 = 0; keys::parse_u32(value, &v1) && v1 == 1) {
      if (Status m = migrate_from_v1(options, cache); !m.is_ok()) return m;
    } else if (Status v = check_version(value); !v.is_ok()) {
      return v;
    }
    // A migration cut short after its version write leaves the old CF.
    if (rocksdb::ColumnFamilyHandle* old = handle(keys::kEventsV1)) {
      if (Status d = drop(old); !d.is_ok()) return d;
    }
  }

  for (size_t i = 0; i < kNumCfs; ++i) {
    if (cf_[i] != nullptr) continue;
    if (!fresh) {
      return Status::corruption("store " + in_quotes(path_) + " lacks column family \"" + std::string(kCfNames[i]) + "\"");
    }
    rocksdb::ColumnFamilyHandle* h = nullptr;
    auto s = db_->CreateColumnFamily(cf_options(static_cast<Cf>(i), options, cache), std::string(kCfNames[i]), &h);
    if (!s.ok()) return from_rocks(s, "create column family " + std::string(kCfNames[i]), path_);
    handles_.push_back(h);
    cf_[i] = h;
  }
  if (!fresh) return Status::ok();

  // The version goes last: its presence means the schema is complete.
  rocksdb::WriteBatch batch;
  std::string version;
  keys::put_u32(&version, kSchemaVersion);
  batch.Put(cf_[kMetaCf], std::string(keys::kNextUser), keys::u64_value(1));
  batch.Put(cf_[kMetaCf], std::string(keys::kNextItem), keys::u64_value(1));
  batch.Put(cf_[kMetaCf], std::string(keys::kNextSeq), keys::u64_value(1));
  batch.Put(cf_[kMetaCf], std::string(keys::kLiveEvents), keys::u64_value(0));
  batch.Put(cf_[kMetaCf], std::string(keys::kSchemaVersion), version);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return from_rocks(db_->Write(wo, &batch), "write schema", path_);
}

rocksdb::ColumnFamilyHandle* Database::handle(std::string_view name) const {
  for (auto* h : handles_) {
    if (h->GetName() == name) return h;
  }
  return nullptr;
}

Status Database::drop(rocksdb::ColumnFamilyHandle* h) {
  const std::string name = h->GetName();
  if (auto s = db_->DropColumnFamily(h); !s.ok()) return from_rocks(s, "drop column family " + name, path_);
  db_->DestroyColumnFamilyHandle(h);
  handles_.erase(std::find(handles_.begin(), handles_.end(), h));
  for (auto& c : cf_) {
    if (c == h) c = nullptr;
  }
  return Status::ok();
}

// Schema 1 kept events keyed user | ts | seq; schema 2 keys the log by seq
// first. The copy goes to a new CF and the version is written last, so a
// migration cut short is redone from the start at the next open.
Status Database::migrate_from_v1(const Options& options, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyHandle* events = handle(keys::kEventsV1);
  if (events == nullptr) {
    return Status::corruption("store " + in_quotes(path_) + " has schema version 1 but no \"events\" column family");
  }
  if (cf_[kLogCf] != nullptr) {
    if (Status d = drop(cf_[kLogCf]); !d.is_ok()) return d;
  }
  rocksdb::ColumnFamilyHandle* log = nullptr;
  if (auto s = db_->CreateColumnFamily(cf_options(kLogCf, options, cache), std::string(keys::kLog), &log); !s.ok()) {
    return from_rocks(s, "create column family log", path_);
  }
  handles_.push_back(log);
  cf_[kLogCf] = log;

  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, events));
  rocksdb::WriteBatch batch;
  uint64_t copied = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    keys::EventKey k;
    if (!keys::parse_event_key({it->key().data(), it->key().size()}, &k)) {
      return Status::corruption("malformed schema-1 event key in " + path_);
    }
    batch.Put(log, keys::log_key(k.seq, k.user, k.ts_ms), it->value());
    if (++copied % (1 << 16) == 0) {
      if (auto s = db_->Write(rocksdb::WriteOptions(), &batch); !s.ok()) return from_rocks(s, "migrate events", path_);
      batch.Clear();
    }
  }
  if (!it->status().ok()) return from_rocks(it->status(), "read schema-1 events", path_);
  it.reset();
  std::string version;
  keys::put_u32(&version, kSchemaVersion);
  batch.Put(cf_[kMetaCf], std::string(keys::kSchemaVersion), version);
  rocksdb::WriteOptions wo;
  wo.sync = true;  // the copy and the new version together, before the old CF goes
  if (auto s = db_->Write(wo, &batch); !s.ok()) return from_rocks(s, "migrate events", path_);
  if (Status d = drop(events); !d.is_ok()) return d;
  log::info("store migrated to schema 2", {{"path", path_}, {"events", copied}});
  return Status::ok();
}

rocksdb::Status Database::resume() {
  uint64_t memtables = 0;
  db_->GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables", &memtables);
  const uint64_t needed = 2 * memtables + (8 << 20);
  struct statvfs vfs{};
  if (::statvfs(path_.c_str(), &vfs) == 0 && uint64_t{vfs.f_bavail} * vfs.f_frsize < needed) {
    return rocksdb::Status::NoSpace("not resuming writes: " + std::to_string(uint64_t{vfs.f_bavail} * vfs.f_frsize) +
                                    " bytes free, a flush needs about " + std::to_string(needed));
  }
  const std::string probe = path_ + "/WRITE_PROBE";
  const auto& fs = env_->GetFileSystem();
  {
    std::unique_ptr<rocksdb::FSWritableFile> f;
    rocksdb::IOStatus s = fs->NewWritableFile(probe, rocksdb::FileOptions(), &f, nullptr);
    if (s.ok()) s = f->Append(std::string(4096, '\0'), rocksdb::IOOptions(), nullptr);
    if (s.ok()) s = f->Sync(rocksdb::IOOptions(), nullptr);
    if (f) (void)f->Close(rocksdb::IOOptions(), nullptr);
    (void)fs->DeleteFile(probe, rocksdb::IOOptions(), nullptr);
    if (!s.ok()) return s;
  }
  return db_->Resume();
}

Status Database::close() {
  if (!db_) return Status::ok();
  std::vector<rocksdb::ColumnFamilyHandle*> ours;
  for (auto* h : cf_) {
    if (h != nullptr) ours.push_back(h);
  }
  rocksdb::FlushOptions fo;
  fo.allow_write_stall = true;
  Status result = from_rocks(db_->Flush(fo, ours), "flush on close", path_);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  cf_.fill(nullptr);
  Status closed = from_rocks(db_->Close(), "close", path_);
  db_.reset();
  return result.is_ok() ? closed : result;
}

}  // namespace attnrec::storage

// Versions of trained models: checkpoint files under DATA_DIR/models/ and a
// record per version in the store's `models` column family (JSON text, a
// private format of this file), plus which version is active (meta key
// "active_model").
//
// Thread safety: all methods may be called concurrently (one mutex).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

struct ModelRecord {
  std::string version;      // "v1", "v2", ...
  int64_t created_ms = 0;
  std::string file;         // the checkpoint, relative to DATA_DIR: "models/v3.sasrec"
  std::string source;       // what started the training: "api", "schedule" or "cli"
  uint64_t users = 0, items = 0, interactions = 0;  // the data it was trained on
  double valid_ndcg = 0;    // full-ranking validation NDCG@10 of the kept epoch
  std::string report_json;  // the training report (service/training/train_report.h)
};

class ModelRegistry {
 public:
  // `store` must outlive the registry.
  ModelRegistry(storage::Store& store, std::string data_dir);

  // Reserves the next version name ("v1", "v2", ...); durable, never reused.
  Status next_version(std::string* version);
  // Absolute path of a version's checkpoint file (the directory is created).
  std::string checkpoint_path(std::string_view version) const;

  Status add(const ModelRecord& record);
  // kNotFound for an unknown version; kCorruption for an unreadable record.
  Status get(std::string_view version, ModelRecord* record) const;
  // All versions, oldest first.
  Status list(std::vector<ModelRecord>* records) const;

  // Empty when no version was ever activated.
  std::string active() const;
  Status set_active(std::string_view version);

 private:
  storage::Store& store_;
  const std::string data_dir_;
  mutable std::mutex mu_;
};

}  // namespace attnrec::service

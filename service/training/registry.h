// Versions of trained models: checkpoint files under DATA_DIR/models/ and a
// record per version in the store's `models` column family (JSON text, a
// private format of this file), plus which version is active (meta key
// "active_model") and which was active before it ("previous_active_model").
//
// Crash safety: a version's checkpoint is written durably (model/checkpoint.h,
// base/durable_file.h) before add() stores its record, and the record before
// set_active() names it; store writes are synced (Config::sync_writes, the
// default; without it a power cut loses a suffix of them, never a middle).
// So after a crash or power loss at any step every record names a whole
// file and the active version is the old one or the new one. A crash can leave DATA_DIR/models/*.tmp
// and a checkpoint without a record (its version number is never reused);
// remove_leftovers deletes both.
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

// The record's stored form (JSON), also what cluster mode publishes.
std::string encode_model_record(const ModelRecord& record);
// kCorruption naming `what` for text that is not a record.
Status decode_model_record(std::string_view what, std::string_view text, ModelRecord* record);

class ModelRegistry {
 public:
  // `store` must outlive the registry.
  ModelRegistry(storage::Store& store, std::string data_dir);

  // Reserves the next version name ("v1", "v2", ...); durable, never reused.
  Status next_version(std::string* version);
  // Absolute path of a version's checkpoint file (the directory is created).
  std::string checkpoint_path(std::string_view version) const;
  // Deletes what interrupted writes left in DATA_DIR/models/: *.tmp, and
  // vN.sasrec files no record names (a job that died between writing its
  // checkpoint and recording it). Lists the files removed. Call before any
  // training starts: a running job's checkpoint has no record yet.
  Status remove_leftovers(std::vector<std::string>* removed) const;

  Status add(const ModelRecord& record);
  // Registers a version trained elsewhere (cluster mode's trainer, under
  // its name "vN"): writes `checkpoint` durably to the version's file, then
  // the record (its `file` set here), after moving the sequence counter
  // past N so that next_version never names it again. A version already
  // here is replaced.
  Status add_external(ModelRecord record, std::string_view checkpoint);
  // kNotFound for an unknown version; kCorruption for an unreadable record.
  Status get(std::string_view version, ModelRecord* record) const;
  // All versions, oldest first.
  Status list(std::vector<ModelRecord>* records) const;

  // Empty when no version was ever activated.
  std::string active() const;
  // The version that was active before the current one; empty if none.
  std::string previous_active() const;
  // Makes `version` active, remembering the one it replaces as previous.
  Status set_active(std::string_view version);

 private:
  std::string models_dir() const;
  Status read_seq(uint64_t* seq) const;  // caller holds mu_

  storage::Store& store_;
  const std::string data_dir_;
  mutable std::mutex mu_;
};

}  // namespace attnrec::service

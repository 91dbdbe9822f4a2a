// Versions of trained models: checkpoint files under DATA_DIR/models/ and a
// JSON record per version in the store's `models` column family, plus which
// version is active (meta key "active_model").
//
// Record: {"version":"v3","created":RFC3339,"file":"models/v3.sasrec",
//          "source":"api|cli|schedule","report":{...training report...}}
//
// Thread safety: all methods may be called concurrently (one mutex).
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "service/status.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

class ModelRegistry {
 public:
  // `store` must outlive the registry.
  ModelRegistry(storage::Store& store, std::string data_dir);

  // Reserves the next version name ("v1", "v2", ...); durable, never reused.
  Status next_version(std::string* version);
  // Absolute path of a version's checkpoint file (the directory is created).
  std::string checkpoint_path(std::string_view version) const;

  Status add(const boost::json::object& record);
  Status get(std::string_view version, boost::json::object* record) const;
  // All versions, oldest first.
  Status list(std::vector<boost::json::object>* records) const;

  // Empty when no version was ever activated.
  std::string active() const;
  Status set_active(std::string_view version);

 private:
  storage::Store& store_;
  const std::string data_dir_;
  mutable std::mutex mu_;
};

}  // namespace attnrec::service

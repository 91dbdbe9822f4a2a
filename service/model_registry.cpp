#include "service/model_registry.h"

#include <algorithm>
#include <filesystem>

#include <boost/json.hpp>

#include "service/storage_status.h"
#include "storage/store.h"

namespace attnrec::service {
namespace {

constexpr std::string_view kActiveKey = "active_model";
constexpr std::string_view kSeqKey = "model_seq";


// "v12" -> 12, for ordering; 0 for anything else.
uint64_t version_number(std::string_view v) {
  if (v.size() < 2 || v[0] != 'v') return 0;
  uint64_t n = 0;
  for (char c : v.substr(1)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

ModelRegistry::ModelRegistry(storage::Store& store, std::string data_dir)
    : store_(store), data_dir_(std::move(data_dir)) {}

Status ModelRegistry::next_version(std::string* version) {
  std::lock_guard lock(mu_);
  std::string value;
  uint64_t seq = 0;
  if (store_.get_meta(kSeqKey, &value).is_ok()) seq = std::stoull(value);
  ++seq;
  if (Status s = from_storage(store_.set_meta(kSeqKey, std::to_string(seq))); !s.is_ok()) return s;
  *version = "v" + std::to_string(seq);
  return Status::ok();
}

std::string ModelRegistry::checkpoint_path(std::string_view version) const {
  const std::filesystem::path dir = std::filesystem::path(data_dir_) / "models";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return (dir / (std::string(version) + ".sasrec")).string();
}

Status ModelRegistry::add(const boost::json::object& record) {
  const auto* version = record.if_contains("version");
  if (!version || !version->is_string()) return Status::internal("model record without a version");
  std::lock_guard lock(mu_);
  return from_storage(store_.put_model(version->get_string(), boost::json::serialize(record)));
}

Status ModelRegistry::get(std::string_view version, boost::json::object* record) const {
  std::string text;
  attnrec::Status s;
  {
    std::lock_guard lock(mu_);
    s = store_.get_model(version, &text);
  }
  if (s.is_not_found()) return Status::not_found("no model version '" + std::string(version) + "'");
  if (!s.is_ok()) return from_storage(s);
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return Status::internal("model record '" + std::string(version) + "' is corrupt");
  *record = std::move(v.get_object());
  return Status::ok();
}

Status ModelRegistry::list(std::vector<boost::json::object>* records) const {
  records->clear();
  std::vector<std::pair<std::string, std::string>> raw;
  {
    std::lock_guard lock(mu_);
    if (Status s = from_storage(store_.list_models(&raw)); !s.is_ok()) return s;
  }
  for (const auto& [version, text] : raw) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return Status::internal("model record '" + version + "' is corrupt");
    records->push_back(std::move(v.get_object()));
  }
  std::sort(records->begin(), records->end(), [](const auto& a, const auto& b) {
    return version_number(a.at("version").as_string()) < version_number(b.at("version").as_string());
  });
  return Status::ok();
}

std::string ModelRegistry::active() const {
  std::lock_guard lock(mu_);
  std::string value;
  return store_.get_meta(kActiveKey, &value).is_ok() ? value : std::string();
}

Status ModelRegistry::set_active(std::string_view version) {
  std::lock_guard lock(mu_);
  return from_storage(store_.set_meta(kActiveKey, version));
}

}  // namespace attnrec::service

#include "service/training/registry.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include <boost/json.hpp>

#include "base/crash_point.h"
#include "base/durable_file.h"
#include "service/json_codec.h"
#include "service/validate.h"
#include "storage/store.h"

namespace attnrec::service {
namespace {

namespace json = boost::json;

constexpr std::string_view kActiveKey = "active_model";
constexpr std::string_view kPreviousKey = "previous_active_model";
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

// The stored form: {"version","created":RFC3339,"file","source","users",
// "items","interactions","valid_ndcg","report":{...}}.
std::string encode_model_record(const ModelRecord& r) {
  json::object o{{"version", r.version},
                 {"created", format_rfc3339(r.created_ms)},
                 {"file", r.file},
                 {"source", r.source},
                 {"users", r.users},
                 {"items", r.items},
                 {"interactions", r.interactions},
                 {"valid_ndcg", r.valid_ndcg}};
  boost::system::error_code ec;
  json::value report = json::parse(r.report_json, ec);
  o["report"] = ec ? json::value(nullptr) : std::move(report);
  return serialize_json(o);
}

Status decode_model_record(std::string_view key, std::string_view text, ModelRecord* r) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  const Status corrupt = Status::corruption("model record " + quoted(key) + " is corrupt");
  if (ec || !v.is_object()) return corrupt;
  const json::object& o = v.get_object();
  const auto* version = o.if_contains("version");
  if (!version || !version->is_string()) return corrupt;
  *r = ModelRecord{};
  r->version = std::string(version->get_string());
  auto str = [&](std::string_view k) {
    const auto* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  auto num = [&](std::string_view k) {
    const auto* x = o.if_contains(k);
    return x && x->is_number() ? x->to_number<double>() : 0.0;
  };
  parse_rfc3339(str("created"), &r->created_ms);
  r->file = str("file");
  r->source = str("source");
  r->users = static_cast<uint64_t>(num("users"));
  r->items = static_cast<uint64_t>(num("items"));
  r->interactions = static_cast<uint64_t>(num("interactions"));
  r->valid_ndcg = num("valid_ndcg");
  if (const auto* report = o.if_contains("report"); report && report->is_object()) {
    r->report_json = serialize_json(*report);
  }
  return Status::ok();
}

ModelRegistry::ModelRegistry(storage::Store& store, std::string data_dir)
    : store_(store), data_dir_(std::move(data_dir)) {}

Status ModelRegistry::read_seq(uint64_t* seq) const {
  std::string value;
  *seq = 0;
  if (store_.get_meta(kSeqKey, &value).is_ok()) {
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), *seq);
    if (ec != std::errc() || end != value.data() + value.size()) {
      return Status::corruption("the model sequence counter '" + value + "' is not a number");
    }
  }
  return Status::ok();
}

Status ModelRegistry::next_version(std::string* version) {
  std::lock_guard lock(mu_);
  uint64_t seq = 0;
  if (Status s = read_seq(&seq); !s.is_ok()) return s;
  ++seq;
  if (Status s = store_.set_meta(kSeqKey, std::to_string(seq)); !s.is_ok()) return s;
  *version = "v" + std::to_string(seq);
  crash_point("registry.version_reserved", *version);
  return Status::ok();
}

std::string ModelRegistry::models_dir() const {
  return (std::filesystem::path(data_dir_) / "models").string();
}

std::string ModelRegistry::checkpoint_path(std::string_view version) const {
  // A failure shows when the checkpoint is written.
  (void)create_directories_durably(models_dir());
  return (std::filesystem::path(models_dir()) / (std::string(version) + ".sasrec")).string();
}

Status ModelRegistry::remove_leftovers(std::vector<std::string>* removed) const {
  removed->clear();
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(models_dir(), ec);
  if (ec == std::errc::no_such_file_or_directory) return Status::ok();
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    const bool temporary = p.extension() == kTempSuffix;
    // Only our own names ("v12.sasrec"); anything else an operator put here stays.
    const std::string version = p.stem().string();
    std::string record;
    const bool unrecorded = p.extension() == ".sasrec" && version_number(version) > 0 &&
                            store_.get_model(version, &record).is_not_found();
    if (!temporary && !unrecorded) continue;
    std::error_code rm;
    if (!fs::remove(p, rm) && rm) {
      return Status::io_error(p.string() + ": cannot remove the leftover of an interrupted write: " +
                              rm.message());
    }
    removed->push_back(p.string());
  }
  if (ec) return Status::io_error(models_dir() + ": cannot list: " + ec.message());
  return Status::ok();
}

Status ModelRegistry::add(const ModelRecord& record) {
  if (record.version.empty()) return Status::internal("model record without a version");
  std::lock_guard lock(mu_);
  if (Status s = store_.put_model(record.version, encode_model_record(record)); !s.is_ok()) return s;
  crash_point("registry.recorded", record.version);
  return Status::ok();
}

Status ModelRegistry::add_external(ModelRecord record, std::string_view checkpoint) {
  const uint64_t number = version_number(record.version);
  if (number == 0) return Status::invalid_argument("model version " + quoted(std::string_view(record.version)) + " is not vN");
  record.file = "models/" + record.version + ".sasrec";
  {
    // Past its number first: a crash after it wastes numbers, never reuses one.
    std::lock_guard lock(mu_);
    uint64_t seq = 0;
    if (Status s = read_seq(&seq); !s.is_ok()) return s;
    if (seq < number) {
      if (Status s = store_.set_meta(kSeqKey, std::to_string(number)); !s.is_ok()) return s;
    }
  }
  const std::string path = checkpoint_path(record.version);
  if (Status s = write_file_durably(path, checkpoint); !s.is_ok()) return s.with_prefix("writing " + path + ": ");
  return add(record);
}

Status ModelRegistry::get(std::string_view version, ModelRecord* record) const {
  std::string text;
  Status s;
  {
    std::lock_guard lock(mu_);
    s = store_.get_model(version, &text);
  }
  if (s.is_not_found()) return Status::not_found("no model version " + quoted(version));
  if (!s.is_ok()) return s;
  return decode_model_record(version, text, record);
}

Status ModelRegistry::list(std::vector<ModelRecord>* records) const {
  records->clear();
  std::vector<std::pair<std::string, std::string>> raw;
  {
    std::lock_guard lock(mu_);
    if (Status s = store_.list_models(&raw); !s.is_ok()) return s;
  }
  for (const auto& [version, text] : raw) {
    ModelRecord r;
    if (Status s = decode_model_record(version, text, &r); !s.is_ok()) return s;
    records->push_back(std::move(r));
  }
  std::sort(records->begin(), records->end(), [](const ModelRecord& a, const ModelRecord& b) {
    return version_number(a.version) < version_number(b.version);
  });
  return Status::ok();
}

std::string ModelRegistry::active() const {
  std::lock_guard lock(mu_);
  std::string value;
  return store_.get_meta(kActiveKey, &value).is_ok() ? value : std::string();
}

std::string ModelRegistry::previous_active() const {
  std::lock_guard lock(mu_);
  std::string value;
  return store_.get_meta(kPreviousKey, &value).is_ok() ? value : std::string();
}

Status ModelRegistry::set_active(std::string_view version) {
  std::lock_guard lock(mu_);
  std::string current;
  if (store_.get_meta(kActiveKey, &current).is_ok() && !current.empty() && current != version) {
    // A crash after this write leaves previous == active: harmless.
    if (Status s = store_.set_meta(kPreviousKey, current); !s.is_ok()) return s;
    crash_point("registry.previous_recorded", current);
  }
  if (Status s = store_.set_meta(kActiveKey, version); !s.is_ok()) return s;
  crash_point("registry.activated", std::string(version));
  return Status::ok();
}

}  // namespace attnrec::service

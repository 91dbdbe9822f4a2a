#include "model/type_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace attnrec::model {

namespace {

constexpr size_t kMaxTypeBytes = 32;  // as the ingest path's check (service/validate.cpp)

bool valid_type(std::string_view t) {
  if (t.empty() || t.size() > kMaxTypeBytes) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(entry) for each non-empty comma-separated entry.
template <class Fn>
Status for_each_entry(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view entry = trim(list.substr(0, comma));
    if (!entry.empty()) {
      if (Status s = fn(entry); !s.is_ok()) return s;
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return Status::ok();
}

std::string format_weight(float w) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", double(w));
  return buf;
}

}  // namespace

TypePolicy::TypePolicy() : negative_{"dislike", "hide"} {}

Result<TypePolicy> TypePolicy::parse(std::string_view positive, std::string_view negative) {
  TypePolicy p;
  p.negative_.clear();
  p.any_positive_ = false;
  auto bad = [](std::string_view list, std::string_view entry, const std::string& why) {
    return Status::invalid_argument(std::string(list) + " type '" + std::string(entry) + "': " + why);
  };
  Status s = for_each_entry(positive, [&](std::string_view entry) {
    std::string_view name = entry;
    float weight = 1.0f;
    if (const size_t colon = entry.find(':'); colon != std::string_view::npos) {
      name = trim(entry.substr(0, colon));
      const std::string_view w = trim(entry.substr(colon + 1));
      const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), weight);
      if (ec != std::errc() || end != w.data() + w.size() || !std::isfinite(weight) || weight <= 0) {
        return bad("positive", entry, "the weight after ':' must be a number > 0");
      }
    }
    if (name == "*") {
      if (p.any_positive_) return bad("positive", entry, "'*' is listed twice");
      p.any_positive_ = true;
      p.any_weight_ = weight;
      return Status::ok();
    }
    if (!valid_type(name)) return bad("positive", entry, "a type is 1-32 characters of a-z, 0-9, '_' and '-'");
    for (const auto& [t, w] : p.positive_) {
      if (t == name) return bad("positive", entry, "listed twice");
    }
    p.positive_.emplace_back(name, weight);
    return Status::ok();
  });
  if (!s.is_ok()) return s;
  s = for_each_entry(negative, [&](std::string_view name) {
    if (!valid_type(name)) return bad("negative", name, "a type is 1-32 characters of a-z, 0-9, '_' and '-'");
    if (std::find(p.negative_.begin(), p.negative_.end(), name) != p.negative_.end()) {
      return bad("negative", name, "listed twice");
    }
    for (const auto& [t, w] : p.positive_) {
      if (t == name) return bad("negative", name, "is also a positive type");
    }
    p.negative_.emplace_back(name);
    return Status::ok();
  });
  if (!s.is_ok()) return s;
  return p;
}

TypePolicy::Decision TypePolicy::classify(std::string_view type) const {
  if (type.empty()) return {Role::kPositive, 1.0f};  // an untyped interaction
  // Short lists (a handful of types): a linear scan beats a hash here.
  for (const auto& t : negative_) {
    if (t == type) return {Role::kNegative, 0.0f};
  }
  for (const auto& [t, w] : positive_) {
    if (t == type) return {Role::kPositive, w};
  }
  if (any_positive_) return {Role::kPositive, any_weight_};
  return {Role::kIgnored, 0.0f};
}

bool TypePolicy::trivial() const {
  return negative_.empty() && any_positive_ && any_weight_ == 1.0f &&
         std::all_of(positive_.begin(), positive_.end(), [](const auto& e) { return e.second == 1.0f; });
}

std::string TypePolicy::positive_spec() const {
  std::string out;
  auto add = [&](std::string_view name, float w) {
    if (!out.empty()) out += ',';
    out += name;
    if (w != 1.0f) out += ":" + format_weight(w);
  };
  for (const auto& [t, w] : positive_) add(t, w);
  if (any_positive_) add("*", any_weight_);
  return out;
}

std::string TypePolicy::negative_spec() const {
  std::string out;
  for (const auto& t : negative_) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

}  // namespace attnrec::model

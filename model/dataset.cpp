#include "model/dataset.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <unordered_map>

namespace attnrec::model {

size_t Dataset::num_interactions() const {
  size_t total = 0;
  for (const auto& s : seqs) total += s.size();
  return total;
}

namespace {

bool is_uint(const std::string& s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits a line into two or three whitespace-separated fields (user, item,
// optional type).
bool split_fields(std::string_view line, std::string_view& a, std::string_view& b,
                  std::string_view& type, size_t& count) {
  count = 0;
  size_t i = 0;
  std::string_view fields[4];
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size()) break;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (count < 4) fields[count] = line.substr(start, i - start);
    ++count;
  }
  a = fields[0];
  b = fields[1];
  type = fields[2];
  return count == 2 || count == 3;
}

Result<Dataset> read_impl(const std::string& path, const std::vector<std::string>* fixed,
                          const TypePolicy& types) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Status::not_found(path + ": cannot open file (it does not exist)");
    return Status::io_error(path + ": cannot open file");
  }
  Dataset data;
  std::unordered_map<std::string, int32_t> users, items;
  if (fixed != nullptr) {
    data.item_ids = *fixed;
    for (size_t i = 0; i < fixed->size(); ++i) items.emplace((*fixed)[i], int32_t(i + 1));
  }
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string_view a, b, type;
    size_t count = 0;
    const bool ok = split_fields(line, a, b, type, count);
    if (count == 0 || line[line.find_first_not_of(" \t\r")] == '#') continue;
    if (!ok) {
      return Status::invalid_argument(path + ":" + std::to_string(lineno) +
                                      ": expected 2 or 3 fields `user item [type]`, got " + std::to_string(count));
    }
    auto [uit, unew] = users.emplace(std::string(a), int32_t(data.user_ids.size()));
    if (unew) {
      data.user_ids.emplace_back(a);
      data.seqs.emplace_back();
    }
    int32_t item = 0;
    if (fixed != nullptr) {
      auto it = items.find(std::string(b));
      if (it == items.end()) {
        ++data.dropped;
        continue;
      }
      item = it->second;
    } else {
      auto [iit, inew] = items.emplace(std::string(b), int32_t(data.item_ids.size() + 1));
      if (inew) data.item_ids.emplace_back(b);
      item = iit->second;
    }
    add_interaction(data, size_t(uit->second), item, types.classify(type));
  }
  finish_interactions(data);
  if (in.bad()) return Status::io_error(path + ":" + std::to_string(lineno) + ": read error");
  if (data.user_ids.empty()) return Status::invalid_argument(path + ": no interactions found");
  if (fixed == nullptr &&
      std::all_of(data.item_ids.begin(), data.item_ids.end(), is_uint)) {
    // Numeric ids: renumber in numeric order (identity for SASRec files).
    std::vector<int32_t> order(data.item_ids.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int32_t(i);
    std::sort(order.begin(), order.end(), [&](int32_t x, int32_t y) {
      return std::stoll(data.item_ids[size_t(x)]) < std::stoll(data.item_ids[size_t(y)]);
    });
    std::vector<int32_t> remap(order.size() + 1);
    std::vector<std::string> sorted(order.size());
    for (size_t r = 0; r < order.size(); ++r) {
      remap[size_t(order[r]) + 1] = int32_t(r + 1);
      sorted[r] = data.item_ids[size_t(order[r])];
    }
    data.item_ids = std::move(sorted);
    for (auto& s : data.seqs) {
      for (int32_t& it : s) it = remap[size_t(it)];
    }
    for (auto& s : data.negatives) {
      for (int32_t& it : s) it = remap[size_t(it)];
      std::sort(s.begin(), s.end());
    }
  }
  return data;
}

}  // namespace

Result<Dataset> read_pairs(const std::string& path, const TypePolicy& types) {
  return read_impl(path, nullptr, types);
}

Result<Dataset> read_pairs(const std::string& path, const std::vector<std::string>& item_ids,
                           const TypePolicy& types) {
  return read_impl(path, &item_ids, types);
}

void add_interaction(Dataset& data, size_t u, int32_t item, TypePolicy::Decision decision) {
  switch (decision.role) {
    case TypePolicy::Role::kPositive:
      data.seqs[u].push_back(item);
      // Weights are kept only once one differs from 1 (most data sets have none).
      if (decision.weight != 1.0f && data.weights.empty()) {
        data.weights.resize(data.seqs.size());
        for (size_t v = 0; v < data.seqs.size(); ++v) {
          data.weights[v].assign(data.seqs[v].size() - (v == u ? 1 : 0), 1.0f);
        }
      }
      if (!data.weights.empty()) {
        data.weights.resize(data.seqs.size());
        data.weights[u].resize(data.seqs[u].size() - 1, 1.0f);
        data.weights[u].push_back(decision.weight);
      }
      break;
    case TypePolicy::Role::kNegative:
      data.negatives.resize(data.seqs.size());
      data.negatives[u].push_back(item);
      break;
    case TypePolicy::Role::kIgnored:
      ++data.ignored;
      break;
  }
}

void finish_interactions(Dataset& data) {
  if (!data.weights.empty()) {
    data.weights.resize(data.seqs.size());
    for (size_t u = 0; u < data.seqs.size(); ++u) data.weights[u].resize(data.seqs[u].size(), 1.0f);
  }
  if (!data.negatives.empty()) {
    data.negatives.resize(data.seqs.size());
    for (auto& n : data.negatives) {
      std::sort(n.begin(), n.end());
      n.erase(std::unique(n.begin(), n.end()), n.end());
    }
  }
}

std::span<const int32_t> train_part(std::span<const int32_t> seq) {
  return seq.size() >= 3 ? seq.first(seq.size() - 2) : seq;
}

std::vector<EvalCase> eval_cases(const Dataset& data, Split split) {
  std::vector<EvalCase> cases;
  for (size_t u = 0; u < data.seqs.size(); ++u) {
    const std::span<const int32_t> s = data.seqs[u];
    if (s.size() < 3) continue;
    const size_t t = split == Split::kTest ? s.size() - 1 : s.size() - 2;
    cases.push_back({int32_t(u), s.first(t), s[t]});
  }
  return cases;
}

}  // namespace attnrec::model

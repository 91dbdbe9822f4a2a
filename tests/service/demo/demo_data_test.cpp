#include "service/demo/demo_data.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <catch2/catch.hpp>

#include "service/import/importer.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::Status;
using attnrec::testing::TempDir;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

DemoData generate(const DemoOptions& options, DemoSummary* summary = nullptr) {
  DemoData data;
  DemoSummary local;
  const Status st = generate_demo_data(options, &data, summary ? summary : &local);
  INFO(st.message());
  REQUIRE(st.is_ok());
  return data;
}

// Each user's items in time order (the stream is sorted by time).
std::map<std::string, std::vector<std::string>> sequences(const DemoData& data) {
  std::map<std::string, std::vector<std::string>> seq;
  for (const auto& e : data.events) seq[e.user].push_back(e.item);
  return seq;
}

}  // namespace

TEST_CASE("demo data: the same seed gives the same bytes, another seed others", "[demo]") {
  TempDir a, b, c;
  DemoOptions options;
  options.users = 400;
  DemoSummary sa, sb, sc;
  REQUIRE(write_demo_data(options, a.path(), &sa).is_ok());
  REQUIRE(write_demo_data(options, b.path(), &sb).is_ok());
  options.seed = 43;
  REQUIRE(write_demo_data(options, c.path(), &sc).is_ok());
  for (const char* name : {"items.jsonl", "events.jsonl"}) {
    const std::string fa = read_all(a.path() + "/" + name);
    CHECK(!fa.empty());
    CHECK(fa == read_all(b.path() + "/" + name));
    CHECK(fa != read_all(c.path() + "/" + name));
  }
  CHECK(sa.events == sb.events);
  CHECK(!std::filesystem::exists(a.path() + "/events.jsonl.tmp"));
}

TEST_CASE("demo data: default shape", "[demo]") {
  DemoSummary summary;
  const DemoData data = generate(DemoOptions{}, &summary);
  CHECK(data.items.size() == 1500);
  CHECK(summary.users == 3000);
  CHECK(summary.events >= 150'000);
  CHECK(summary.events <= 250'000);
  CHECK(summary.series >= 30);
  CHECK(summary.views + summary.ratings + summary.purchases == summary.events);
  CHECK(summary.purchases > 0);
  CHECK(summary.purchases < summary.ratings);
  CHECK(sequences(data).size() == 3000);

  std::set<std::string> titles;
  std::set<std::string> tags;
  for (const auto& item : data.items) {
    titles.insert(item.title);
    tags.insert(item.tags.begin(), item.tags.end());
    CHECK(!item.text.empty());
    CHECK(item.attributes.contains("year"));
    CHECK(item.attributes.contains("duration_min"));
  }
  CHECK(titles.size() == data.items.size());
  for (const char* genre : {"sci-fi", "romance", "comedy", "horror", "documentary", "animation",
                            "thriller", "drama", "family", "fantasy", "feel-good", "dark"}) {
    CHECK(tags.count(genre) == 1);
  }

  // Time order: the stream is sorted, each user's events strictly increase,
  // and everything lies in the 90 days before the end.
  std::unordered_map<std::string, int64_t> last;
  for (size_t i = 0; i < data.events.size(); ++i) {
    const EventInput& e = data.events[i];
    if (i > 0) CHECK(*data.events[i - 1].ts_ms <= *e.ts_ms);
    auto [it, fresh] = last.emplace(e.user, *e.ts_ms);
    if (!fresh) {
      REQUIRE(it->second < *e.ts_ms);
      it->second = *e.ts_ms;
    }
    REQUIRE(*e.ts_ms <= kDemoDefaultEndMs);
    REQUIRE(*e.ts_ms >= kDemoDefaultEndMs - 90LL * 86'400'000);
    if (e.type == "rating") REQUIRE((e.weight >= 1 && e.weight <= 5));
  }
}

TEST_CASE("demo data: series are watched in order and nothing twice", "[demo]") {
  const DemoData data = generate(DemoOptions{});
  std::unordered_map<std::string, std::pair<std::string, int64_t>> part_of;  // item -> series, part
  for (const auto& item : data.items) {
    if (item.attributes.contains("series")) {
      part_of[item.id] = {std::string(item.attributes.at("series").as_string()),
                          item.attributes.at("part").as_int64()};
    }
  }
  REQUIRE(!part_of.empty());
  size_t users_with_series = 0, users_in_order = 0;
  for (const auto& [user, items] : sequences(data)) {
    CHECK(std::set<std::string>(items.begin(), items.end()).size() == items.size());
    std::map<std::string, int64_t> reached;
    bool in_order = true, any = false;
    for (const auto& item : items) {
      auto it = part_of.find(item);
      if (it == part_of.end()) continue;
      any = true;
      int64_t& prev = reached[it->second.first];
      if (it->second.second != prev + 1) in_order = false;
      prev = it->second.second;
    }
    users_with_series += any;
    users_in_order += any && in_order;
  }
  CHECK(users_with_series > 1500);
  CHECK(users_in_order >= users_with_series * 99 / 100);
}

TEST_CASE("demo data: the next item is learnable beyond popularity", "[demo]") {
  // Leave-last-out HR@10: a first-order "what came next after this item"
  // table against the most popular items, both from the training prefixes.
  const DemoData data = generate(DemoOptions{});
  const auto seq = sequences(data);
  std::unordered_map<std::string, size_t> popularity;
  std::unordered_map<std::string, std::unordered_map<std::string, size_t>> next;
  for (const auto& [user, items] : seq) {
    for (size_t i = 0; i + 1 < items.size(); ++i) {
      ++popularity[items[i]];
      if (i + 2 < items.size()) ++next[items[i]][items[i + 1]];
    }
  }
  auto top10 = [](const std::unordered_map<std::string, size_t>& counts) {
    std::vector<std::pair<size_t, std::string>> v;
    for (const auto& [item, n] : counts) v.emplace_back(n, item);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size() && out.size() < 10; ++i) out.push_back(v[i].second);
    return out;
  };
  const auto popular = top10(popularity);
  size_t hits_pop = 0, hits_seq = 0, n = 0;
  for (const auto& [user, items] : seq) {
    if (items.size() < 3) continue;
    ++n;
    const std::string& target = items.back();
    const std::string& before = items[items.size() - 2];
    hits_pop += std::count(popular.begin(), popular.end(), target) > 0;
    auto it = next.find(before);
    if (it != next.end()) {
      const auto guess = top10(it->second);
      hits_seq += std::count(guess.begin(), guess.end(), target) > 0;
    }
  }
  const double hr_pop = double(hits_pop) / n, hr_seq = double(hits_seq) / n;
  INFO("HR@10 popularity " << hr_pop << ", next-item table " << hr_seq);
  CHECK(hr_seq > 2 * hr_pop);
  CHECK(hr_seq > 0.2);
}

TEST_CASE("demo data: more users keep the catalog and the first users' events", "[demo]") {
  DemoOptions small;
  small.users = 50;
  DemoOptions large = small;
  large.users = 80;
  const DemoData a = generate(small), b = generate(large);
  REQUIRE(a.items.size() == b.items.size());
  for (size_t i = 0; i < a.items.size(); ++i) CHECK(a.items[i].title == b.items[i].title);
  auto sa = sequences(a), sb = sequences(b);
  for (const auto& [user, items] : sa) CHECK(sb[user] == items);
}

TEST_CASE("demo data: the files import cleanly as jsonl", "[demo][importer]") {
  TempDir dir;
  DemoOptions options;
  options.users = 100;
  DemoSummary summary;
  REQUIRE(write_demo_data(options, dir.path(), &summary).is_ok());

  struct CountingSink final : ImportSink {
    Status ingest(std::span<const EventInput> events, IngestResult* r) override {
      for (const auto& e : events) users.insert(e.user);
      r->accepted = events.size();
      return Status::ok();
    }
    Status put_items(std::vector<Item> items) override {
      n_items += items.size();
      return Status::ok();
    }
    std::set<std::string> users;
    size_t n_items = 0;
  } sink;
  ImportOptions io;
  io.format = ImportFormat::kJsonl;
  io.paths = {summary.items_path, summary.events_path};
  ImportSummary imported;
  const Status st = run_import(io, sink, &imported);
  INFO(st.message());
  REQUIRE(st.is_ok());
  CHECK(imported.items == summary.items);
  CHECK(imported.events_accepted == summary.events);
  CHECK(sink.users.size() == 100);
  CHECK(imported.skipped == 0);
}

TEST_CASE("demo data: options out of range are refused", "[demo]") {
  DemoData data;
  DemoSummary summary;
  DemoOptions options;
  options.items = 10;
  CHECK(generate_demo_data(options, &data, &summary).code() == Status::Code::kInvalidArgument);
  options = DemoOptions{};
  options.users = 0;
  CHECK(generate_demo_data(options, &data, &summary).code() == Status::Code::kInvalidArgument);
  TempDir dir;
  const std::string file = dir.path() + "/plain";
  std::ofstream(file) << "x";
  CHECK(!write_demo_data(DemoOptions{}, file + "/sub", &summary).is_ok());
}

// Shared helpers for the Store tests: opening stores in temp dirs, building
// events, and reading back everything the public API can see.
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/store.h"
#include "temp_dir.h"

namespace attnrec::storage::testing {

using attnrec::testing::TempDir;

inline Options options_for(const std::string& path, size_t history_cap = 512, size_t history_buffer = 1 << 18) {
  Options o;
  o.path = path;
  o.history_cap = history_cap;
  o.history_buffer = history_buffer;
  o.block_cache_bytes = 8 << 20;
  return o;
}

inline std::unique_ptr<Store> open_store(const Options& o) {
  std::unique_ptr<Store> store;
  Status s = Store::open(o, &store);
  INFO(s.message());
  REQUIRE(s.is_ok());
  REQUIRE(store != nullptr);
  return store;
}

inline Event ev(std::string user, std::string item, int64_t ts_ms, std::string id = {}, std::string type = "view") {
  Event e;
  e.user = std::move(user);
  e.item = std::move(item);
  e.type = std::move(type);
  e.ts_ms = ts_ms;
  e.id = std::move(id);
  return e;
}

// prefix + i; (GCC 12 warns falsely on "literal" + std::to_string(i).)
inline std::string numbered(std::string_view prefix, int i) {
  std::string s(prefix);
  s.append(std::to_string(i));
  return s;
}

inline WriteResult write(Store& store, std::vector<Event> events) {
  WriteResult r;
  Status s = store.write_events(events, &r);
  INFO(s.message());
  REQUIRE(s.is_ok());
  return r;
}

// (user name, item name, ts) of every stored event, in scan order.
using EventRow = std::tuple<std::string, std::string, int64_t>;
inline std::vector<EventRow> all_events(const Store& store) {
  std::vector<EventRow> rows;
  Status s = store.scan_events([&](uint32_t user, uint32_t item, int64_t ts, float) {
    rows.emplace_back(store.user_name(user), store.item_name(item), ts);
  });
  REQUIRE(s.is_ok());
  return rows;
}

// "id:item=record" of every catalog record, in scan (internal id) order.
inline std::vector<std::string> catalog_rows(const Store& store) {
  std::vector<std::string> rows;
  Status s = store.scan_catalog([&](uint32_t id, std::string_view item, std::string_view record) {
    rows.push_back(std::to_string(id) + ":" + std::string(item) + "=" + std::string(record));
  });
  REQUIRE(s.is_ok());
  return rows;
}

inline std::vector<std::string> history_items(const Store& store, const std::string& user, size_t limit = 1000) {
  std::vector<HistoryEntry> entries;
  REQUIRE(store.history(store.find_user(user), limit, &entries).is_ok());
  std::vector<std::string> items;
  for (const auto& e : entries) items.push_back(e.item_id);
  // The serving path's read (item ids only) gives the same list.
  std::vector<uint32_t> ids;
  REQUIRE(store.history_items(store.find_user(user), limit, &ids).is_ok());
  std::vector<std::string> names;
  for (uint32_t id : ids) names.push_back(store.item_name(id));
  CHECK(names == items);
  return items;
}

}  // namespace attnrec::storage::testing

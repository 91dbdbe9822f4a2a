// Helpers shared by the importer tests (tests/service/import/).
#pragma once

#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "service/import/importer.h"

namespace attnrec::testing {

// Keeps what it is sent. Events whose item is `reject_item` make the whole
// call fail the way Events::ingest does ("events[i]: ..."), writing nothing.
class MemorySink final : public service::ImportSink {
 public:
  attnrec::Status ingest(std::span<const service::EventInput> events, service::IngestResult* result) override {
    ++calls;
    for (size_t i = 0; i < events.size(); ++i) {
      if (!reject_item.empty() && events[i].item == reject_item) {
        return attnrec::Status::invalid_argument("events[" + std::to_string(i) + "]: `item` is refused");
      }
    }
    this->events.insert(this->events.end(), events.begin(), events.end());
    result->accepted = events.size();
    result->duplicates = 0;
    return attnrec::Status::ok();
  }
  attnrec::Status put_items(std::vector<service::Item> items) override {
    this->items.insert(this->items.end(), items.begin(), items.end());
    return attnrec::Status::ok();
  }

  std::vector<service::EventInput> events;
  std::vector<service::Item> items;
  std::string reject_item;
  size_t calls = 0;
};

inline std::string write_file(const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

inline service::ImportOptions options_for(service::ImportFormat format, std::vector<std::string> paths) {
  service::ImportOptions o;
  o.format = format;
  o.paths = std::move(paths);
  o.pairs_base_ms = 1'700'000'000'000;
  return o;
}

inline const service::Item* find_item(const std::vector<service::Item>& items, const std::string& id) {
  for (const auto& i : items) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

// The benchmark data folder: ATTNREC_BENCH_DATA, else the build's default.
inline std::string shared_data() {
  const char* env = std::getenv("ATTNREC_BENCH_DATA");
  return env && *env ? env : ATTNREC_SHARED_DATA;
}

}  // namespace attnrec::testing

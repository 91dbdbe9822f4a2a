// The catalog's value type: one item as callers send it and get it back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace attnrec::service {

// A catalog entry. `attributes` is the caller's free-form JSON object, kept
// and returned as given (the one field whose shape the service does not own).
struct Item {
  std::string id;
  std::string title;
  std::string text;
  std::vector<std::string> tags;
  boost::json::object attributes;
  bool available = true;
  int64_t updated_ms = 0;  // set by the service on upsert
};

}  // namespace attnrec::service

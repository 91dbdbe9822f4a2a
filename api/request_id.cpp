#include "api/request_id.h"

#include <algorithm>
#include <cctype>
#include <random>
#include <string_view>

namespace attnrec::api {

RequestIds::RequestIds() : key_(std::random_device{}() * 0x9e3779b97f4a7c15ull ^ std::random_device{}()) {}

// A counter through a bijective mix (splitmix64's finaliser) keyed per
// process, so ids never repeat within a process.
std::string RequestIds::make() {
  uint64_t z = (made_.fetch_add(1, std::memory_order_relaxed) + 1) ^ key_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, z >>= 4) id[size_t(i)] = kHex[z & 15];
  return id;
}

std::string RequestIds::of(const HttpRequest& req) {
  if (auto it = req.find("X-Request-Id"); it != req.end()) {
    const std::string_view v(it->value().data(), it->value().size());
    const bool sane = !v.empty() && v.size() <= 128 && std::all_of(v.begin(), v.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
    });
    if (sane) return std::string(v);
  }
  return make();
}

}  // namespace attnrec::api

#include "service/cluster/shards.h"

#include <cstdio>
#include <random>

#include <xxhash.h>

namespace attnrec::service::cluster {

uint32_t shard_of(std::string_view user, uint32_t shards) {
  return XXH32(user.data(), user.size(), 0) % shards;
}

std::string to_hex(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * s.size());
  for (const unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool from_hex(std::string_view hex, std::string* out) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.empty() || hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string random_token() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

std::string user_subject(std::string_view user, uint32_t shards) {
  return "attnrec.ev." + std::to_string(shard_of(user, shards)) + "." + to_hex(user);
}

std::string shard_subject(uint32_t shard) { return "attnrec.ev." + std::to_string(shard) + ".>"; }

std::vector<uint32_t> viewed_shards(uint32_t node, uint32_t nodes, uint32_t shards) {
  std::vector<uint32_t> out;
  for (uint32_t s = 0; s < shards; ++s) {
    if (owner_of(s, nodes) == node) out.push_back(s);
  }
  if (nodes == 1) return out;
  for (uint32_t s = 0; s < shards; ++s) {
    if ((owner_of(s, nodes) + 1) % nodes == node) out.push_back(s);
  }
  return out;
}

}  // namespace attnrec::service::cluster

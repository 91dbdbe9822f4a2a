#include "service/cluster/shards.h"

#include <xxhash.h>

namespace attnrec::service::cluster {

uint32_t shard_of(std::string_view user, uint32_t shards) {
  return XXH32(user.data(), user.size(), 0) % shards;
}

std::string user_subject(std::string_view user, uint32_t shards) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "attnrec.ev." + std::to_string(shard_of(user, shards)) + ".";
  s.reserve(s.size() + 2 * user.size());
  for (const unsigned char c : user) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
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

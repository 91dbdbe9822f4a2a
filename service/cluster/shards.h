// How cluster mode divides users: a user is in shard xxh32(user, seed 0)
// mod `shards`, which is what HAProxy's `xxh32,mod(S)` converters compute
// from the user id in the path (scripts/cluster.sh), so the proxy and the
// nodes agree on every user's shard without asking each other. With nodes
// n_0 .. n_{N-1}, shard s is owned by n_{s mod N} and stood by for by the
// next node, n_{(s+1) mod N}; a node keeps a view of both kinds of shard.
//
// On the log, a user's events go to the subject
// `attnrec.ev.<shard>.<user as lowercase hex>` (subject tokens cannot hold
// '.', '*', '>' or spaces; hex keeps every id legal and distinct).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnrec::service::cluster {

inline constexpr std::string_view kEventStream = "ATTNREC_EVENTS";
inline constexpr std::string_view kEventSubjects = "attnrec.ev.>";

uint32_t shard_of(std::string_view user, uint32_t shards);

// "attnrec.ev.<shard>.<hex user>".
std::string user_subject(std::string_view user, uint32_t shards);
// "attnrec.ev.<shard>.>": every user of the shard.
std::string shard_subject(uint32_t shard);

// The shards node `node` of `nodes` keeps a view of (owned, then stood by
// for), ascending within each; every shard once when nodes == 1.
std::vector<uint32_t> viewed_shards(uint32_t node, uint32_t nodes, uint32_t shards);
// Lowercase hex of the bytes of `s`, and back (false for anything that is
// not an even number of lowercase hex digits): ids made legal as subject
// tokens and bucket keys.
std::string to_hex(std::string_view s);
bool from_hex(std::string_view hex, std::string* out);
// 16 random hex digits, for names unique to this process.
std::string random_token();

// The node index that owns `shard`.
inline uint32_t owner_of(uint32_t shard, uint32_t nodes) { return shard % nodes; }

}  // namespace attnrec::service::cluster

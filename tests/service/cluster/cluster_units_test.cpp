// The pure parts of cluster mode: the shard function HAProxy must agree
// with, which node views which shard, the event stream's message format,
// and the cluster configuration's checks. (The cluster itself is tested
// through scripts/cluster.sh in tests/cli/cluster_test.cpp.)
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "service/cluster/event_log.h"
#include "service/cluster/log_codec.h"
#include "service/cluster/shards.h"

namespace attnrec::service::cluster {
namespace {

TEST_CASE("shard_of is xxh32 with seed 0 mod the shard count", "[cluster]") {
  // XXH32 of the empty input is 0x02CC5D05 (xxHash's reference value), the
  // number HAProxy's xxh32 converter gives for an empty sample too.
  REQUIRE(shard_of("", 1u << 30) == 0x02CC5D05u);
  REQUIRE(shard_of("", 1000) == 0x02CC5D05u % 1000);
  REQUIRE(shard_of("alice", 16) == shard_of("alice", 16));
  std::set<uint32_t> seen;
  for (int u = 0; u < 200; ++u) seen.insert(shard_of("user-" + std::to_string(u), 16));
  REQUIRE(seen.size() == 16);  // 200 users reach every shard
}

TEST_CASE("user subjects hex-encode the id so any id is one subject token", "[cluster]") {
  REQUIRE(user_subject("a.b c", 16) ==
          "attnrec.ev." + std::to_string(shard_of("a.b c", 16)) + ".612e622063");
  REQUIRE(shard_subject(7) == "attnrec.ev.7.>");
}

TEST_CASE("every shard is viewed by its owner and by the next node only", "[cluster]") {
  for (const uint32_t nodes : {1u, 2u, 3u, 5u}) {
    std::vector<int> viewers(16, 0);
    for (uint32_t n = 0; n < nodes; ++n) {
      const std::vector<uint32_t> shards = viewed_shards(n, nodes, 16);
      for (const uint32_t s : shards) {
        ++viewers[s];
        REQUIRE((owner_of(s, nodes) == n || (owner_of(s, nodes) + 1) % nodes == n));
      }
      // Owned shards first: the node's own users are read first at start.
      REQUIRE(owner_of(shards.front(), nodes) == n);
    }
    for (const int v : viewers) REQUIRE(v == (nodes == 1 ? 1 : 2));
  }
}

TEST_CASE("log records round-trip and a bad one is corruption", "[cluster]") {
  std::vector<storage::Event> events{{"u\"1", "i1", "view", 1700000000000, 1.0f, "k1"},
                                     {"u\"1", "i\xc3\xa9", "purchase", 1700000000001, 2.5f, "k2"}};
  LogRecord r;
  REQUIRE(decode_record(encode_events("u\"1", events), &r).is_ok());
  REQUIRE_FALSE(r.erase);
  REQUIRE(r.user == "u\"1");
  REQUIRE(r.events.size() == 2);
  REQUIRE(r.events[1].item == "i\xc3\xa9");
  REQUIRE(r.events[1].type == "purchase");
  REQUIRE(r.events[1].ts_ms == 1700000000001);
  REQUIRE(r.events[1].weight == 2.5f);
  REQUIRE(r.events[1].id == "k2");
  REQUIRE(r.events[1].user == "u\"1");

  REQUIRE(decode_record(encode_erase("bob"), &r).is_ok());
  REQUIRE(r.erase);
  REQUIRE(r.user == "bob");
  REQUIRE(r.events.empty());

  for (const char* bad : {"", "[]", "{\"user\":\"a\"}", "{\"user\":\"a\",\"events\":[]}",
                          "{\"user\":\"a\",\"erase\":false}",
                          "{\"user\":\"a\",\"events\":[{\"item\":\"i\"}]}"}) {
    INFO(bad);
    REQUIRE(decode_record(bad, &r).code() == Status::Code::kCorruption);
  }
}

TEST_CASE("cluster configurations are checked before anything connects", "[cluster]") {
  ClusterConfig c;
  c.nats = {"nats://127.0.0.1:4222"};
  c.nodes = {"node-1", "node-2"};
  c.node = "node-2";
  REQUIRE(check_config(c).is_ok());
  c.node = "node-3";
  REQUIRE(check_config(c).message().find("not one of --nodes") != std::string::npos);
  c.node = "node-1";
  c.nodes = {"node-1", "node-1"};
  REQUIRE(check_config(c).message().find("named twice") != std::string::npos);
  c.nodes = {"node-1", "no.de"};
  REQUIRE(check_config(c).message().find("[A-Za-z0-9_-]") != std::string::npos);
  c.nodes = {"node-1", "node-2", "node-3"};
  c.shards = 2;
  REQUIRE(check_config(c).message().find("--shards") != std::string::npos);
}

}  // namespace
}  // namespace attnrec::service::cluster

#include "model/checkpoint.h"

#include <catch2/catch.hpp>
#include <numeric>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "temp_dir.h"

using namespace attnrec::model;

namespace {

Model small_model(Attention attention = Attention::kFull, int32_t window = 0) {
  Config c;
  c.attention = attention;
  c.window = window;
  c.num_items = 4;
  c.maxlen = 5;
  c.d = 8;
  c.blocks = 2;
  c.heads = 2;
  Params<float> p(std::make_shared<Layout>(c));
  p.init(3);
  return Model(std::move(p), {"a", "b", "c", "d"});
}

std::string bytes_of(const Model& m) {
  // A directory of its own: CTest runs test cases in parallel processes.
  const attnrec::testing::TempDir dir;
  const std::string path = dir.sub("m.bin");
  REQUIRE(save_checkpoint(m, path).is_ok());
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string refuse(const std::string& bytes) {
  auto r = parse_checkpoint(bytes, "m.bin");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == attnrec::Status::Code::kCorruption);
  return r.error();
}

// Recomputes the trailing FNV-1a checksum after an edit.
void reseal(std::string& b) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i + 8 < b.size() + 0 && i < b.size() - 8; ++i) {
    h ^= uint8_t(b[i]);
    h *= 0x100000001b3ULL;
  }
  std::memcpy(b.data() + b.size() - 8, &h, 8);
}

}  // namespace

TEST_CASE("checkpoint round trip keeps config, item ids and every weight", "[checkpoint]") {
  const Model m = small_model();
  const attnrec::testing::TempDir dir;
  const std::string path = dir.sub("m.bin");
  REQUIRE(save_checkpoint(m, path).is_ok());
  auto loaded = load_checkpoint(path);
  REQUIRE(loaded.ok());
  const Model& l = *loaded.value();
  CHECK(l.item_ids() == m.item_ids());
  CHECK(l.config().heads == 2);
  CHECK(l.config().attention == Attention::kFull);
  CHECK(l.config().window == 0);
  CHECK(l.params().flat() == m.params().flat());
  CHECK(l.index_of("c") == 3);
}

TEST_CASE("checkpoint reader refuses bad files and says why", "[checkpoint]") {
  const std::string good = bytes_of(small_model());
  REQUIRE(parse_checkpoint(good, "m.bin").ok());

  CHECK(refuse(good.substr(0, 10)).find("truncated") != std::string::npos);
  CHECK(refuse(good.substr(0, good.size() - 3)).find("truncated") != std::string::npos);
  CHECK(refuse(good + "x").find("trailing") != std::string::npos);

  std::string magic = good;
  magic[0] = 'X';
  CHECK(refuse(magic).find("bad magic") != std::string::npos);

  std::string version = good;
  version[8] = 7;
  const std::string v = refuse(version);
  CHECK(v.find("unsupported format version 7") != std::string::npos);
  CHECK(v.find("newer attnrec") != std::string::npos);
  version[8] = 3;  // the next version, still unknown
  CHECK(refuse(version).find("unsupported format version 3") != std::string::npos);
  version[8] = 0;
  CHECK(refuse(version).find("unsupported format version 0") != std::string::npos);

  std::string corrupt = good;
  corrupt[good.size() / 2] ^= 0x40;
  CHECK(refuse(corrupt).find("checksum mismatch") != std::string::npos);

  // A validly sealed file whose first tensor (item_emb, [5, 8]) claims 6 rows.
  std::string shape = good;
  const size_t name_pos = shape.find("item_emb");
  REQUIRE(name_pos != std::string::npos);
  const uint32_t rows = 6;
  std::memcpy(shape.data() + name_pos + 8, &rows, 4);
  reseal(shape);
  const std::string s = refuse(shape);
  CHECK(s.find("wrong shape") != std::string::npos);
  CHECK(s.find("item_emb") != std::string::npos);

  // Config that fails validation (heads do not divide d).
  std::string cfg = good;
  const int32_t heads = 3;
  std::memcpy(cfg.data() + 24 + 16, &heads, 4);
  reseal(cfg);
  CHECK(refuse(cfg).find("invalid config") != std::string::npos);

  auto missing = load_checkpoint("/nonexistent/model.bin");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().find("cannot open") != std::string::npos);
  CHECK(missing.status().is_not_found());
}

TEST_CASE("checkpoint writer reports a file it cannot create", "[checkpoint]") {
  const attnrec::Status s = save_checkpoint(small_model(), "/nonexistent/dir/model.bin");
  CHECK(s.code() == attnrec::Status::Code::kIOError);
  CHECK(s.message().find("cannot create") != std::string::npos);
}

// tests/model/fixtures/v1_tiny.sasrec was written by the version-1 writer
// (commit 98c191a, before format version 2) from a model trained with the
// code of that commit: Config{maxlen 6, d 8, blocks 1, heads 2, d_ff 16,
// dropout 0.1}, TrainConfig{epochs 3 via train_epoch(1..3), batch 8,
// threads 1, patience 0, ema_decay 0, seed 11, negatives 8}, on 40 users x
// 12 items walking a cycle of 20 items with stride 1 or 2 (the generator of
// trainer_test.cpp, seed 7). The expected user vector and scores below were
// printed (%.9g) by that same program for the history kUserHistory.
namespace {

const std::vector<int32_t> kUserHistory = {3, 5, 7, 9, 11, 13, 15};
const std::vector<float> kV1User = {1.67849827f,   0.93351984f, 0.0621958636f, 0.533830523f,
                                    -0.198367372f, -1.0354917f, -1.38730431f,  -0.649731994f};
const std::vector<float> kV1Scores = {
    1.20000505f,   -0.478543162f, -0.766985297f, -0.516257465f, 0.33840999f,
    0.212789699f,  -0.129598573f, 0.33139351f,   0.676242769f,  -0.14805451f,
    -0.016510956f, -0.215814173f, 1.00242388f,   0.839686155f,  1.17176342f,
    0.053643927f,  0.838824391f,  -0.354873627f, 0.0389100164f, 0.241447717f};

}  // namespace

TEST_CASE("a version-1 checkpoint still loads and reproduces its recorded outputs",
          "[checkpoint]") {
  auto loaded = load_checkpoint(std::string(ATTNREC_MODEL_FIXTURES) + "/v1_tiny.sasrec");
  REQUIRE(loaded.ok());
  const Model& m = *loaded.value();
  const Config& c = m.config();
  CHECK(c.num_items == 20);
  CHECK(c.maxlen == 6);
  CHECK(c.d == 8);
  CHECK(c.blocks == 1);
  CHECK(c.heads == 2);
  CHECK(c.d_ff == 16);
  CHECK(c.attention == Attention::kFull);
  CHECK(c.window == 0);
  CHECK(m.index_of("7") == 7);
  std::vector<float> user(8);
  REQUIRE(m.encode(kUserHistory, user));
  for (size_t i = 0; i < user.size(); ++i) {
    INFO("user[" << i << "]");
    CHECK(std::abs(user[i] - kV1User[i]) < 1e-6f);
  }
  std::vector<int32_t> all(21);
  std::iota(all.begin(), all.end(), 0);
  std::vector<float> scores(21);
  m.score(user, all, scores);
  for (size_t i = 1; i < scores.size(); ++i) {
    INFO("score of item " << i);
    CHECK(std::abs(scores[i] - kV1Scores[i - 1]) < 1e-6f);
  }
}

TEST_CASE("checkpoint version 2 round trip keeps local attention and its window",
          "[checkpoint]") {
  const Model m = small_model(Attention::kLocal, 3);
  const std::string b = bytes_of(m);
  uint32_t version = 0;
  std::memcpy(&version, b.data() + 8, 4);
  CHECK(version == 2);
  auto loaded = parse_checkpoint(b, "m.bin");
  REQUIRE(loaded.ok());
  const Model& l = *loaded.value();
  CHECK(l.config().attention == Attention::kLocal);
  CHECK(l.config().window == 3);
  CHECK(l.params().flat() == m.params().flat());
  std::vector<float> u1(8), u2(8);
  const std::vector<int32_t> hist = {1, 2, 3, 4, 1};
  REQUIRE(m.encode(hist, u1));
  REQUIRE(l.encode(hist, u2));
  CHECK(u1 == u2);
}

TEST_CASE("checkpoint reader refuses a version-2 config with a bad attention kind or window",
          "[checkpoint]") {
  const std::string good = bytes_of(small_model(Attention::kLocal, 2));
  REQUIRE(parse_checkpoint(good, "m.bin").ok());
  constexpr size_t kAttention = 24 + 36, kWindow = 24 + 40;  // config fields of version 2
  auto edit = [&](size_t offset, int32_t value) {
    std::string b = good;
    std::memcpy(b.data() + offset, &value, 4);
    reseal(b);
    return refuse(b);
  };
  for (int32_t window : {0, -1}) {
    const std::string e = edit(kWindow, window);
    INFO(e);
    CHECK(e.find("invalid config") != std::string::npos);
    CHECK(e.find("window") != std::string::npos);
  }
  const std::string kind = edit(kAttention, 9);
  CHECK(kind.find("invalid config") != std::string::npos);
  CHECK(kind.find("attention") != std::string::npos);
  // Full attention with a window is refused too (the window would be ignored).
  const std::string full = edit(kAttention, int32_t(Attention::kFull));
  CHECK(full.find("window") != std::string::npos);
}

namespace {

// A sealed version-2 file: header, a config of full attention, the item id
// count, then `rest`; the payload size and checksum match, so only the
// structure can refuse it.
std::string sealed(int32_t num_items, uint32_t n_ids, int32_t maxlen, int32_t d, int32_t blocks, int32_t d_ff,
                   const std::string& rest) {
  std::string b("ATNRSAS\0", 8);
  auto put = [&](auto v) { b.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(uint32_t(2));
  put(uint32_t(0));
  put(uint64_t(0));
  for (int32_t v : {num_items, maxlen, d, blocks, /*heads*/ 1, d_ff, /*relu*/ 0}) put(v);
  put(0.0f);
  put(1e-5f);
  put(int32_t(0));  // full attention
  put(int32_t(0));  // window
  put(n_ids);
  b += rest;
  const uint64_t payload = b.size() - 24;
  std::memcpy(b.data() + 16, &payload, 8);
  b.append(8, '\0');
  reseal(b);
  return b;
}

}  // namespace

// Found while fuzzing the loader (fuzz/checkpoint_fuzz.cpp): sealed headers
// announcing more than the file holds made it allocate first (tens of GB:
// bad_alloc out of parse_checkpoint, or an out-of-memory abort) instead of
// refusing the file.
TEST_CASE("checkpoint reader refuses sizes the file cannot hold before allocating them", "[checkpoint]") {
  SECTION("2^31 - 1 item ids announced, none present") {
    const std::string msg = refuse(sealed(0x7ffffffe, 0x7ffffffe, 1, 1, 1, 0, ""));
    CHECK(msg.find("truncated item id list") != std::string::npos);
  }
  SECTION("200 million item ids announced, none present") {
    const std::string msg = refuse(sealed(200000000, 200000000, 1, 1, 1, 0, ""));
    CHECK(msg.find("truncated item id list") != std::string::npos);
  }
  SECTION("a valid config of 150 GB of weights, two ids and no weights present") {
    std::string ids;
    for (const char* id : {"a", "b"}) {
      const uint32_t n = 1;
      ids.append(reinterpret_cast<const char*>(&n), 4);
      ids += id;
    }
    const std::string msg = refuse(sealed(2, 2, 100000, 4096, 64, 65536, ids));
    INFO(msg);
    CHECK(msg.find("truncated: the config needs") != std::string::npos);
  }
  SECTION("num_items of 2^31 - 1 is an invalid config (row 0 is padding)") {
    const std::string msg = refuse(sealed(0x7fffffff, 0x7fffffff, 1, 1, 1, 0, ""));
    CHECK(msg.find("num_items must be in 1..2147483646") != std::string::npos);
  }
}

#include "model/checkpoint.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace attnrec::model;

namespace {

Model small_model() {
  Config c;
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
  const std::string path = "/tmp/attnrec_checkpoint_test.bin";
  REQUIRE(save_checkpoint(m, path).is_ok());
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  std::remove(path.c_str());
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
  const std::string path = "/tmp/attnrec_checkpoint_rt.bin";
  REQUIRE(save_checkpoint(m, path).is_ok());
  auto loaded = load_checkpoint(path);
  std::remove(path.c_str());
  REQUIRE(loaded.ok());
  const Model& l = *loaded.value();
  CHECK(l.item_ids() == m.item_ids());
  CHECK(l.config().heads == 2);
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

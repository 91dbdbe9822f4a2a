#include "model/params.h"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace attnrec::model;

namespace {

Config two_blocks() {
  Config c;
  c.num_items = 6;
  c.maxlen = 5;
  c.d = 8;
  c.d_ff = 12;
  c.blocks = 2;
  c.heads = 2;
  return c;
}

// The views of `p` with the checkpoint name of each, in Layout order.
std::vector<std::pair<std::string, const CMatMap<float>*>> named_views(const Params<float>& p) {
  const Sasrec<float>& n = p.net();
  std::vector<std::pair<std::string, const CMatMap<float>*>> v = {{"item_emb", &n.item_emb},
                                                                  {"pos_emb", &n.pos_emb}};
  for (size_t b = 0; b < n.blocks.size(); ++b) {
    const Block<float>& B = n.blocks[b];
    const std::string k = "blocks." + std::to_string(b) + ".";
    for (const auto& [name, m] : std::vector<std::pair<const char*, const CMatMap<float>*>>{
             {"ln1_g", &B.ln1_g}, {"ln1_b", &B.ln1_b}, {"wq", &B.wq}, {"bq", &B.bq},
             {"wk", &B.wk}, {"bk", &B.bk}, {"wv", &B.wv}, {"bv", &B.bv}, {"wo", &B.wo},
             {"bo", &B.bo}, {"ln2_g", &B.ln2_g}, {"ln2_b", &B.ln2_b}, {"w1", &B.w1},
             {"b1", &B.b1}, {"w2", &B.w2}, {"b2", &B.b2}}) {
      v.emplace_back(k + name, m);
    }
  }
  v.emplace_back("lnf_g", &n.lnf_g);
  v.emplace_back("lnf_b", &n.lnf_b);
  return v;
}

// Every named view is the tensor of the same name in the flat array.
void check_views(const Params<float>& p) {
  const auto views = named_views(p);
  const auto& specs = p.layout().tensors();
  REQUIRE(views.size() == specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    INFO(specs[i].name);
    CHECK(views[i].first == specs[i].name);
    CHECK(views[i].second->data() == p.flat().data() + specs[i].offset);
    CHECK(views[i].second->rows() == specs[i].rows);
    CHECK(views[i].second->cols() == specs[i].cols);
  }
}

}  // namespace

TEST_CASE("named views are the Layout's tensors, in checkpoint order", "[params]") {
  Params<float> p(std::make_shared<Layout>(two_blocks()));
  check_views(p);
  const Block<float>& B = p.net().blocks[1];
  CHECK(B.w1.rows() == 8);
  CHECK(B.w1.cols() == 12);
  CHECK(B.w2.rows() == 12);
  CHECK(B.b2.cols() == 8);
  CHECK(p.net().item_emb.rows() == 7);
  // Writable and read-only views share the memory.
  p.mut().blocks[1].wq(2, 3) = 5.0f;
  CHECK(p.net().blocks[1].wq(2, 3) == 5.0f);
}

TEST_CASE("copies and moves of Params view their own array", "[params]") {
  Params<float> a(std::make_shared<Layout>(two_blocks()));
  a.init(7);
  Params<float> b = a;
  check_views(b);
  CHECK(std::as_const(b).flat() == std::as_const(a).flat());
  b.mut().lnf_b(0, 0) = 3.0f;
  CHECK(a.net().lnf_b(0, 0) == 0.0f);
  Params<float> c = std::move(b);
  check_views(c);
  CHECK(c.net().lnf_b(0, 0) == 3.0f);
  c = a;  // copy assignment rebinds (assigning Maps would copy values instead)
  check_views(c);
  CHECK(c.net().lnf_b(0, 0) == 0.0f);
  Params<double> d = a.cast<double>();
  CHECK(d.net().blocks[0].wq(1, 1) == double(a.net().blocks[0].wq(1, 1)));
}

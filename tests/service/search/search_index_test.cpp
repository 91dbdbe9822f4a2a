#include "service/search/search_index.h"

#include <cmath>

#include <catch2/catch.hpp>

using namespace attnrec::service;

namespace {

Item item(std::string title, std::vector<std::string> tags = {}, std::string text = "") {
  Item i;
  i.title = std::move(title);
  i.tags = std::move(tags);
  i.text = std::move(text);
  return i;
}

std::vector<uint32_t> docs(const std::vector<SearchIndex::Hit>& hits) {
  std::vector<uint32_t> out;
  for (const auto& h : hits) out.push_back(h.doc);
  return out;
}

// Plain BM25 with unit field weights, for hand-checked cases.
SearchOptions plain() {
  SearchOptions o;
  o.title_weight = o.tags_weight = o.text_weight = 1.0;
  return o;
}

double bm25(double tf, double df, double n, double dl, double avgdl) {
  const double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
  return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
}

}  // namespace

TEST_CASE("BM25 scores match a hand computation", "[search]") {
  SearchIndex index(plain());
  index.upsert(1, item("star wars star"));   // dl 3
  index.upsert(2, item("star trek"));        // dl 2
  index.upsert(3, item("pride prejudice"));  // dl 2
  const double avgdl = 7.0 / 3;
  auto hits = index.search("star ", 10);
  REQUIRE(docs(hits) == std::vector<uint32_t>{1, 2});
  CHECK(hits[0].score == Approx(bm25(2, 2, 3, 3, avgdl)));
  CHECK(hits[1].score == Approx(bm25(1, 2, 3, 2, avgdl)));

  // Two tokens add up.
  hits = index.search("star trek ", 10);
  REQUIRE(hits.front().doc == 2);
  CHECK(hits.front().score == Approx(bm25(1, 2, 3, 2, avgdl) + bm25(1, 1, 3, 2, avgdl)));
}

TEST_CASE("title matches outrank text matches", "[search]") {
  SearchIndex index;
  index.upsert(1, item("A quiet evening", {}, "a story about the matrix of life"));
  index.upsert(2, item("The Matrix", {}, "a hacker learns the truth"));
  CHECK(docs(index.search("matrix ", 10)) == std::vector<uint32_t>{2, 1});
}

TEST_CASE("upsert replaces and remove deletes, visible to the next search", "[search]") {
  SearchIndex index;
  index.upsert(1, item("Alien"));
  CHECK(docs(index.search("alien ", 10)) == std::vector<uint32_t>{1});
  index.upsert(1, item("Predator"));
  CHECK(index.search("alien ", 10).empty());
  CHECK(docs(index.search("predator ", 10)) == std::vector<uint32_t>{1});
  index.upsert(2, item("Alien vs Predator"));
  index.remove(1);
  CHECK(docs(index.search("predator ", 10)) == std::vector<uint32_t>{2});
  CHECK(index.size() == 1);
  index.remove(2);
  CHECK(index.search("predator", 10).empty());
  CHECK(index.size() == 0);
}

TEST_CASE("the last token matches as a prefix, earlier ones do not", "[search]") {
  SearchIndex index;
  index.upsert(1, item("Terminator"));
  index.upsert(2, item("Termite Terrace"));
  CHECK(docs(index.search("termin", 10)) == std::vector<uint32_t>{1});
  CHECK(index.search("termin ", 10).empty());  // a finished word is not a prefix
  CHECK(docs(index.search("term", 10)).size() == 2);
}

TEST_CASE("one typo is forgiven on tokens of five or more bytes", "[search]") {
  SearchIndex index;
  index.upsert(1, item("Gladiator"));
  index.upsert(2, item("Jaws"));
  CHECK(docs(index.search("gladaitor ", 10)) == std::vector<uint32_t>{1});  // swap
  CHECK(docs(index.search("gladator ", 10)) == std::vector<uint32_t>{1});   // deletion
  CHECK(index.search("glodaitor ", 10).empty());                            // two typos
  CHECK(index.search("jaqs ", 10).empty());                                 // too short
}

TEST_CASE("diacritics and case fold in both documents and queries", "[search]") {
  SearchIndex index;
  index.upsert(7, item("Les Misérables"));
  CHECK(docs(index.search("miserables", 10)) == std::vector<uint32_t>{7});
  CHECK(docs(index.search("MISÉRABLES", 10)) == std::vector<uint32_t>{7});
}

TEST_CASE("stop words are ignored unless nothing else is left, and tags match", "[search]") {
  SearchIndex index;
  index.upsert(1, item("The Thing", {"horror"}));
  index.upsert(2, item("Of Mice and Men", {"drama"}));
  CHECK(docs(index.search("the horror ", 10)) == std::vector<uint32_t>{1});
  CHECK(docs(index.search("of and ", 10)) == std::vector<uint32_t>{2});
}

TEST_CASE("keep filters candidates and n bounds the result", "[search]") {
  SearchIndex index;
  for (uint32_t d = 1; d <= 20; ++d) index.upsert(d, item("movie " + std::to_string(d)));
  CHECK(index.search("movie ", 5).size() == 5);
  auto even = index.search("movie ", 100, [](uint32_t d) { return d % 2 == 0; });
  CHECK(even.size() == 10);
  for (const auto& h : even) CHECK(h.doc % 2 == 0);
}

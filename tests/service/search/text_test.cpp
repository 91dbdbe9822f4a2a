#include "service/search/text.h"

#include <catch2/catch.hpp>

using namespace attnrec::service;
using Tokens = std::vector<std::string>;

TEST_CASE("tokenize lowercases, folds diacritics and splits on punctuation", "[text]") {
  CHECK(tokenize("Les Misérables (1995)") == Tokens{"les", "miserables", "1995"});
  CHECK(tokenize("STRASSE Straße") == Tokens{"strasse", "strasse"});
  CHECK(tokenize("Æon Flux; Łódź, Ørsted") == Tokens{"aeon", "flux", "lodz", "orsted"});
  CHECK(tokenize("Crème brûlée!") == Tokens{"creme", "brulee"});
  CHECK(tokenize("Children's sci-fi") == Tokens{"childrens", "sci", "fi"});
  CHECK(tokenize("ΑΘΗΝΑ Москва") == Tokens{"αθηνα", "москва"});
  CHECK(tokenize("  ") == Tokens{});
  CHECK(tokenize("a\xff" "b") == Tokens{"a", "b"});  // invalid byte separates
  CHECK(tokenize("\xC3") == Tokens{});               // truncated sequence
  CHECK(tokenize(std::string(100, 'x')).front().size() == 64);
}

TEST_CASE("fold keeps separators", "[text]") {
  CHECK(fold("Amélie: Le Fabuleux") == "amelie: le fabuleux");
}

TEST_CASE("stop words", "[text]") {
  CHECK(is_stop_word("the"));
  CHECK(is_stop_word("of"));
  CHECK(is_stop_word("with"));
  CHECK_FALSE(is_stop_word("star"));
  CHECK_FALSE(is_stop_word("The"));  // tokens are folded before the check
}

TEST_CASE("within_one_edit: one insertion, deletion, substitution or swap", "[text]") {
  CHECK(within_one_edit("matrix", "matrix"));
  CHECK(within_one_edit("matrix", "matrx"));
  CHECK(within_one_edit("matrx", "matrix"));
  CHECK(within_one_edit("matrix", "metrix"));
  CHECK(within_one_edit("matrix", "amtrix"));
  CHECK(within_one_edit("matrix", "matrixx"));
  CHECK_FALSE(within_one_edit("matrix", "mtarx"));
  CHECK_FALSE(within_one_edit("matrix", "matrices"));
  CHECK_FALSE(within_one_edit("abcd", "badc"));
}

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

TEST_CASE("tokenize folds every script, not only Latin, Greek and Cyrillic", "[text]") {
  // Case folding and diacritics.
  CHECK(tokenize("ÉCOLE École ecole") == Tokens{"ecole", "ecole", "ecole"});
  CHECK(tokenize("Ἀθῆναι Ωμέγα ΣΟΦΟΣ σοφός") == Tokens{"αθηναι", "ωμεγα", "σοφοσ", "σοφοσ"});  // polytonic, tonos, final sigma
  CHECK(tokenize("Ёлка ЙОГУРТ") == Tokens{"елка", "иогурт"});
  CHECK(tokenize("ՀԱՅԱՍՏԱՆ Հայաստան") == Tokens{"հայաստան", "հայաստան"});  // Armenian
  CHECK(tokenize("ᲡᲐᲥᲐᲠᲗᲕᲔᲚᲝ საქართველო") == Tokens{"საქართველო", "საქართველო"});  // Georgian Mtavruli
  CHECK(tokenize("Tiếng Việt: Người Phụ Nữ") == Tokens{"tieng", "viet", "nguoi", "phu", "nu"});  // stacked marks
  CHECK(tokenize("Tie\xCC\x82\xCC\x81ng") == Tokens{"tieng"});  // same, decomposed input
  // Turkish: İ, I, ı and i all meet (language-independent folding).
  CHECK(tokenize("İSTANBUL Istanbul ıstanbul") == Tokens{"istanbul", "istanbul", "istanbul"});
  // NFKC: full-width Latin and digits, ligatures, superscripts.
  CHECK(tokenize("ＳＴＡＲ　ＷＡＲＳ　１９７７") == Tokens{"star", "wars", "1977"});
  CHECK(tokenize("ﬁnal ＲｏｃｋｙⅡ") == Tokens{"final", "rocky", "ii"});
  // Superscripts and fractions stand apart; symbols separate though NFKC
  // would make letters of them.
  CHECK(tokenize("Alien³ x₂ 8½ ①") == Tokens{"alien", "3", "x", "2", "8", "1", "2", "1"});
  CHECK(tokenize("Coca-Cola™ 20℃ №5") == Tokens{"coca", "cola", "20", "5"});
  CHECK(tokenize("co\xC2\xAD" "operate") == Tokens{"cooperate"});  // soft hyphen is ignorable
  CHECK(tokenize("می\u200Cخواهم") == Tokens{"میخواهم"});       // so is ZWNJ
  CHECK(tokenize("\xC2\xAD" "a\u200B" "b") == Tokens{"a", "b"});  // an ignorable alone is nothing; ZWSP breaks
  // Marks that are part of the spelling stay, inside the token.
  CHECK(tokenize("हिन्दी फ़िल्म") == Tokens{"हिन्दी", "फ़िल्म"});
  CHECK(tokenize("ภาษาไทย") == Tokens{"ภาษาไทย"});
  CHECK(tokenize("が ｶﾞ") == Tokens{"が", "ガ"});  // dakuten kept; half-width katakana -> full-width
  // Hebrew points and Arabic harakat are optional: stripped.
  CHECK(tokenize("שָׁלוֹם שלום") == Tokens{"שלום", "שלום"});
  CHECK(tokenize("كِتَاب كتاب") == Tokens{"كتاب", "كتاب"});
  // No word segmentation: a CJK run is one token; CJK punctuation separates.
  CHECK(tokenize("千と千尋の神隠し。天気の子") == Tokens{"千と千尋の神隠し", "天気の子"});
  CHECK(tokenize("한국 영화") == Tokens{"한국", "영화"});
  // Symbols and emoji separate; a mark with no letter before it is dropped.
  CHECK(tokenize("love❤\xF0\x9F\x8E\xAC" "film") == Tokens{"love", "film"});
  CHECK(tokenize("\xCC\x81" "a \xE0\xA4\xBF") == Tokens{"a"});
  // Apostrophes join inside a word only.
  CHECK(tokenize("l’été 'quoted' rock'") == Tokens{"lete", "quoted", "rock"});
}

TEST_CASE("tokenize treats invalid UTF-8 as a separator", "[text]") {
  CHECK(tokenize("ab\xC0\xAF" "cd") == Tokens{"ab", "cd"});          // overlong '/'
  CHECK(tokenize("ab\xE0\x80\xAF" "cd") == Tokens{"ab", "cd"});      // overlong, 3 bytes
  CHECK(tokenize("ab\xED\xA0\x80" "cd") == Tokens{"ab", "cd"});      // surrogate
  CHECK(tokenize("ab\xF4\x90\x80\x80" "cd") == Tokens{"ab", "cd"});  // > U+10FFFF
  CHECK(tokenize("ab\xE2\x82") == Tokens{"ab"});                     // truncated at the end
  CHECK(tokenize("\xE2\x82" "ab") == Tokens{"ab"});                   // truncated, then text
  CHECK(tokenize("Mis\xE9rables") == Tokens{"mis", "rables"});        // latin-1 é
  CHECK(tokenize("Caf\xC3\xA9\xFF\xC3\x89t\xC3\xA9") == Tokens{"cafe", "ete"});
  CHECK(tokenize("\x80\x80") == Tokens{});
  // A long non-ASCII token is cut on a code point boundary.
  std::string long_word;
  for (int i = 0; i < 40; ++i) long_word += "\xD0\xB6";  // ж, 2 bytes
  const Tokens cut = tokenize(long_word);
  REQUIRE(cut.size() == 1);
  CHECK(cut[0].size() == 64);
}

TEST_CASE("fold keeps separators", "[text]") {
  CHECK(fold("Amélie: Le Fabuleux") == "amelie: le fabuleux");
  CHECK(fold("Ἀθῆναι — Ωμέγα!") == "αθηναι — ωμεγα!");
  CHECK(fold("Ａ＆Ｂ") == "a&b");  // NFKC: full-width ampersand too
  CHECK(fold("a\xFF" "b\xC0\xAF") == "ab");  // invalid bytes dropped
  CHECK(fold("") == "");
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

#include "service/utf8.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace attnrec::service;

TEST_CASE("is_utf8 accepts well-formed text and rejects the rest", "[utf8]") {
  CHECK(is_utf8(""));
  CHECK(is_utf8("plain"));
  CHECK(is_utf8("caf\xC3\xA9"));
  CHECK(is_utf8("\xE2\x82\xAC"));               // U+20AC
  CHECK(is_utf8("\xF0\x9F\x8E\xAC"));           // U+1F3AC
  CHECK(is_utf8("\xF4\x8F\xBF\xBF"));           // U+10FFFF, the last
  CHECK(is_utf8("\xEF\xBF\xBE"));               // U+FFFE: a noncharacter, well-formed
  CHECK(is_utf8(std::string_view("a\0b", 3)));  // NUL
  CHECK_FALSE(is_utf8("Mis\xE9rables"));         // latin-1
  CHECK_FALSE(is_utf8("\xC0\xAF"));              // overlong, 2 bytes
  CHECK_FALSE(is_utf8("\xC1\xBF"));              // overlong, 2 bytes
  CHECK_FALSE(is_utf8("\xE0\x80\xAF"));          // overlong, 3 bytes
  CHECK_FALSE(is_utf8("\xF0\x80\x80\xAF"));      // overlong, 4 bytes
  CHECK_FALSE(is_utf8("\xED\xA0\x80"));          // surrogate U+D800
  CHECK_FALSE(is_utf8("\xED\xBF\xBF"));          // surrogate U+DFFF
  CHECK_FALSE(is_utf8("\xF4\x90\x80\x80"));      // > U+10FFFF
  CHECK_FALSE(is_utf8("\xF8\x88\x80\x80\x80"));  // 5-byte form
  CHECK_FALSE(is_utf8("\xE2\x82"));              // truncated
  CHECK_FALSE(is_utf8("ok\xF0\x9F\x8E"));        // truncated at the end
  CHECK_FALSE(is_utf8("\x80"));                  // stray continuation byte
  CHECK_FALSE(is_utf8("\xFF"));
}

TEST_CASE("decode_at steps over code points and one byte per bad sequence", "[utf8]") {
  const std::string_view s = "a\xC3\xA9\xFF\xE2\x82\xAC\xF0\x9F\x8E\xAC\xE2\x82";
  std::vector<Decoded> got;
  for (size_t i = 0; i < s.size(); i += got.back().size) got.push_back(decode_at(s, i));
  REQUIRE(got.size() == 7);
  CHECK((got[0].cp == U'a' && got[0].size == 1));
  CHECK((got[1].cp == U'\u00E9' && got[1].size == 2));
  CHECK((got[2].cp == kInvalidCodePoint && got[2].size == 1));
  CHECK((got[3].cp == U'\u20AC' && got[3].size == 3));
  CHECK((got[4].cp == U'\U0001F3AC' && got[4].size == 4));
  CHECK((got[5].cp == kInvalidCodePoint && got[5].size == 1));  // truncated E2 82
  CHECK((got[6].cp == kInvalidCodePoint && got[6].size == 1));
}

TEST_CASE("append_utf8 encodes 1 to 4 bytes", "[utf8]") {
  std::string out;
  for (char32_t cp : {U'a', U'\u00E9', U'\u20AC', U'\U0001F3AC'}) append_utf8(cp, &out);
  CHECK(out == "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x8E\xAC");
}

TEST_CASE("char_class follows the Unicode general category", "[utf8]") {
  CHECK(char_class(U'a') == CharClass::kLetter);
  CHECK(char_class(U'\u0531') == CharClass::kLetter);    // Armenian Ա
  CHECK(char_class(U'\u4E2D') == CharClass::kLetter);    // 中
  CHECK(char_class(U'7') == CharClass::kDigit);
  CHECK(char_class(U'\u0967') == CharClass::kDigit);     // Devanagari one
  CHECK(char_class(U'\uFF11') == CharClass::kDigit);     // full-width one
  CHECK(char_class(U'\u00B2') == CharClass::kNumber);    // superscript two (No)
  CHECK(char_class(U'\u216B') == CharClass::kNumber);    // Roman numeral twelve (Nl)
  CHECK(char_class(U'\u0301') == CharClass::kMark);      // combining acute (Mn)
  CHECK(char_class(U'\u093F') == CharClass::kMark);      // Devanagari vowel sign i (Mc)
  CHECK(char_class(U'\u00AD') == CharClass::kFormat);    // soft hyphen (Cf)
  CHECK(char_class(U'-') == CharClass::kOther);
  CHECK(char_class(U'\U0001F3AC') == CharClass::kOther);  // emoji (So)
  CHECK(char_class(U'\u3000') == CharClass::kOther);     // ideographic space
  CHECK(char_class(kInvalidCodePoint) == CharClass::kOther);
}

TEST_CASE("has_compat_decomposition: NFKD differs from NFD", "[utf8]") {
  CHECK(has_compat_decomposition(U'\uFF21'));   // full-width A
  CHECK(has_compat_decomposition(U'\u00B2'));   // superscript two
  CHECK(has_compat_decomposition(U'\uFB01'));   // ﬁ
  CHECK_FALSE(has_compat_decomposition(U'\u00E9'));  // é: canonical only
  CHECK_FALSE(has_compat_decomposition(U'a'));
  CHECK_FALSE(has_compat_decomposition(kInvalidCodePoint));
}

TEST_CASE("decompose_folded and compose_append round-trip to NFKC case folded", "[utf8]") {
  auto nfkc_cf = [](std::string_view s) {
    std::u32string cps;
    decompose_folded(s, &cps);
    std::string out;
    compose_append(cps, &out);
    return out;
  };
  CHECK(nfkc_cf("Caf\xC3\xA9") == "caf\xC3\xA9");              // é stays composed
  CHECK(nfkc_cf("Cafe\xCC\x81") == "caf\xC3\xA9");             // e + U+0301 composes
  CHECK(nfkc_cf("\xEF\xBC\xA1\xEF\xBC\xA2") == "ab");          // full-width ＡＢ
  CHECK(nfkc_cf("Stra\xC3\x9F" "e") == "strasse");
  CHECK(nfkc_cf("soft\xC2\xAD" "hyphen") == "softhyphen");     // U+00AD is ignorable
  CHECK(nfkc_cf("\xED\x95\x9C\xEA\xB5\xAD") == "\xED\x95\x9C\xEA\xB5\xAD");  // 한국: Hangul recomposed

  std::u32string cps;
  decompose_folded("\xC3\x89", &cps);  // É
  CHECK(cps == U"e\u0301");
}

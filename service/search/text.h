// Text analysis for search: folding, tokenising and an English stop-word
// list. Unicode handling is utf8proc's, through service/utf8.h.
//
// Folding, the same for every script and language:
// - NFKC: compatibility forms become their plain letters and digits
//   (full-width "ＡＢＣ" -> "abc", "ﬁ" -> "fi", "²" -> "2"); default-ignorable
//   code points (soft hyphen, zero-width joiners) are removed.
// - Full Unicode case folding, not locale-specific: "ÉCOLE" -> "ecole",
//   "Straße" -> "strasse", Greek final sigma "ς" -> "σ", Georgian Mtavruli ->
//   Mkhedruli, Armenian and Cyrillic capitals -> small. Turkish "I" folds to
//   "i" as in English, and both "İ" and "ı" fold to "i", so every spelling of
//   "Istanbul" meets.
// - Diacritics are stripped: the generic combining marks (U+0300-U+036F and
//   the other "Combining Diacritical Marks" blocks, so Latin accents, Greek
//   tonos and dialytika, Cyrillic breve "й" -> "и", Vietnamese stacked marks
//   "Việt" -> "viet"), Hebrew points and Arabic harakat. Marks of other
//   scripts (Devanagari and Thai vowel signs, viramas, Japanese dakuten) are
//   kept: there they are part of the spelling.
// - Latin letters with a stroke or a ligature that Unicode does not decompose
//   get their plain form: æ -> ae, œ -> oe, ø -> o, ł -> l, đ/ð -> d, þ -> th, ...
// Invalid UTF-8 bytes are dropped by fold() and separate words in tokenize().
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace attnrec::service {

// Splits text into folded tokens. Words are found in the input, then folded:
// - A word is a run of letters and digits (Unicode L* and N*) with the
//   combining marks (M*) that follow them, so "हिन्दी" is one token; an
//   apostrophe between two letters joins them ("children's" -> "childrens"),
//   and so do the format characters that folding removes (soft hyphen,
//   zero-width non-joiner: Persian "می‌خواهم" is one token).
//   Everything else separates, invalid UTF-8 bytes too, even symbols that
//   NFKC turns into letters ("Cola™" -> "cola", not "colatm").
// - Superscripts, subscripts, fractions, circled and Roman numerals (Nl and
//   No with a compatibility form) stand apart: "Alien³" -> "alien" "3",
//   "8½" -> "8" "1" "2" (folding gives "1⁄2"; the fraction slash separates).
//   Full-width digits are Nd and stay in the word: "１９７７" -> "1977".
// - Scripts written without spaces (Chinese, Japanese, Thai) are not
//   segmented: a run is one token.
// Stop words are kept (the caller decides); tokens longer than 64 bytes are
// cut on a code point boundary.
std::vector<std::string> tokenize(std::string_view text);

// Folds one piece of text (above), keeping non-word characters. The result is
// valid UTF-8 in NFC.
std::string fold(std::string_view text);

// True for common English function words ("the", "of", "and", ...).
bool is_stop_word(std::string_view token);

// a and b differ by at most one typo: one inserted, deleted or substituted
// byte, or two adjacent bytes swapped (bytes, not code points: tokens are
// folded, so mostly ASCII).
bool within_one_edit(std::string_view a, std::string_view b);

}  // namespace attnrec::service

#include "service/search/text.h"

#include <algorithm>
#include <array>
#include <utility>

#include "service/utf8.h"

namespace attnrec::service {
namespace {

constexpr size_t kMaxTokenBytes = 64;

// Combining marks removed by folding: the script-independent diacritics
// (accents, tonos, breve, the dot of Turkish "İ") and the optional vowel and
// cantillation points of Hebrew and Arabic. Other scripts' marks are kept:
// in Devanagari, Thai and the rest they are vowels, and removing them would
// merge different words.
bool is_stripped_mark(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) ||  // Combining Diacritical Marks
         (cp >= 0x1AB0 && cp <= 0x1AFF) ||  // ... Extended
         (cp >= 0x1DC0 && cp <= 0x1DFF) ||  // ... Supplement
         (cp >= 0x20D0 && cp <= 0x20FF) ||  // ... for Symbols
         (cp >= 0xFE20 && cp <= 0xFE2F) ||  // Combining Half Marks
         (cp >= 0x0591 && cp <= 0x05C7) ||  // Hebrew points and accents
         (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670;  // Arabic harakat
}

// Lowercase Latin letters that Unicode does not decompose but that readers
// take for a base letter with a stroke or a ligature (after case folding, so
// lowercase only; "ß" is folded to "ss" by Unicode itself).
std::u32string_view plain_letters(char32_t cp) {
  switch (cp) {
    case U'\u00E6': return U"ae";  // æ
    case U'\u0153': return U"oe";  // œ
    case U'\u00F8': return U"o";   // ø
    case U'\u0142': return U"l";   // ł
    case U'\u0111': return U"d";   // đ
    case U'\u00F0': return U"d";   // ð
    case U'\u00FE': return U"th";  // þ
    case U'\u0131': return U"i";   // ı (Turkish dotless i)
    case U'\u0127': return U"h";   // ħ
    case U'\u0167': return U"t";   // ŧ
    case U'\u014B': return U"n";   // ŋ
    case U'\u0138': return U"k";   // ĸ
    case U'\u0192': return U"f";   // ƒ
    default: return {};
  }
}

// Appends the folded form of `valid` (well-formed UTF-8) to `out`.
void fold_valid(std::string_view valid, std::string* out) {
  bool ascii = true;
  for (char c : valid) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {  // the common case, and what the Unicode path gives for ASCII
    for (char c : valid) out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    return;
  }
  thread_local std::u32string decomposed, kept;  // reused: no allocation per word
  decomposed.clear();
  kept.clear();
  decompose_folded(valid, &decomposed);
  for (char32_t cp : decomposed) {
    if (is_stripped_mark(cp)) continue;
    if (const std::u32string_view plain = plain_letters(cp); !plain.empty()) kept.append(plain);
    else kept.push_back(cp);
  }
  compose_append(kept, out);
}

// decode_at, with ASCII (most catalog text) decoded inline.
Decoded decode_ascii_or_at(std::string_view s, size_t pos) {
  const auto c = static_cast<unsigned char>(s[pos]);
  return c < 0x80 ? Decoded{c, 1} : decode_at(s, pos);
}

bool is_word(char32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  const CharClass c = char_class(cp);
  return c == CharClass::kLetter || c == CharClass::kDigit || c == CharClass::kNumber;
}

bool is_mark(char32_t cp) { return cp >= 0x80 && char_class(cp) == CharClass::kMark; }

// Superscripts, subscripts, fractions, circled and Roman numerals: "Alien³"
// and "8½" are "alien" "3" and "8" "1" "2", not "alien3" and "81" "2".
// (Full-width and other compatibility digits are Nd and stay in the word.)
bool is_standalone_number(char32_t cp) {
  return cp >= 0x80 && char_class(cp) == CharClass::kNumber && has_compat_decomposition(cp);
}

// Inside a word, marks belong to the letter before them, and format
// characters (soft hyphen, zero-width joiners) are carried along: folding
// removes the default-ignorable ones and add_run splits on any left.
bool continues_word(char32_t cp) {
  if (cp < 0x80 || cp == U'\u200B') return false;  // zero-width space: a word break (Thai, Khmer)
  const CharClass c = char_class(cp);
  return c == CharClass::kMark || c == CharClass::kFormat;
}

void push_token(std::string token, std::vector<std::string>* tokens) {
  if (token.size() > kMaxTokenBytes) {
    // Cut on a code point boundary.
    size_t cut = kMaxTokenBytes;
    while (cut > 0 && (static_cast<unsigned char>(token[cut]) & 0xC0) == 0x80) --cut;
    token.resize(cut);
  }
  tokens->push_back(std::move(token));
}

// Folds one run of the input's letters, digits and marks (valid UTF-8) and
// appends its tokens: folding can bring in separators ("½" -> "1⁄2").
void add_run(std::string_view run, std::string* scratch, std::vector<std::string>* tokens) {
  scratch->clear();
  fold_valid(run, scratch);
  std::string current;
  for (size_t i = 0; i < scratch->size();) {
    const Decoded d = decode_ascii_or_at(*scratch, i);
    if (is_word(d.cp) || (!current.empty() && is_mark(d.cp))) {
      current.append(*scratch, i, d.size);
    } else if (!current.empty()) {
      push_token(std::move(current), tokens);
      current.clear();
    }
    i += d.size;
  }
  if (!current.empty()) push_token(std::move(current), tokens);
}

constexpr std::array<std::string_view, 64> kStopWords = {
    "a",     "about", "after", "all",   "an",    "and",   "any",   "are",  "as",   "at",
    "be",    "been",  "but",   "by",    "can",   "did",   "do",    "does", "for",  "from",
    "had",   "has",   "have",  "he",    "her",   "his",   "how",   "i",    "if",   "in",
    "into",  "is",    "it",    "its",   "me",    "my",    "no",    "not",  "of",   "on",
    "or",    "our",   "she",   "so",    "than",  "that",  "the",   "their", "them", "then",
    "there", "these", "they",  "this",  "to",    "too",   "was",   "we",   "were", "what",
    "when",  "which", "who",   "with"};

}  // namespace

std::string fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  // Fold each well-formed stretch; drop the bytes between them.
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    const Decoded d = decode_at(text, i);
    if (d.cp != kInvalidCodePoint) {
      i += d.size;
      continue;
    }
    fold_valid(text.substr(start, i - start), &out);
    start = ++i;
  }
  fold_valid(text.substr(start), &out);
  return out;
}

std::vector<std::string> tokenize(std::string_view text) {
  // The input's own characters decide where words are ("™" separates though
  // NFKC makes it "tm"); each word is then folded.
  std::vector<std::string> tokens;
  std::string run;        // the current word's input bytes
  bool run_ascii = true;  // then folding is lowercasing, and the run one token
  std::string scratch;    // a non-ASCII run's folded form
  auto end_run = [&] {
    if (run.empty()) return;
    if (run_ascii) {
      for (char& c : run) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
      push_token(std::move(run), &tokens);
    } else {
      add_run(run, &scratch, &tokens);
    }
    run.clear();
    run_ascii = true;
  };
  for (size_t i = 0; i < text.size();) {
    const Decoded d = decode_ascii_or_at(text, i);
    const std::string_view bytes = text.substr(i, d.size);
    i += d.size;
    if (is_standalone_number(d.cp)) {
      end_run();
      run = bytes;
      run_ascii = false;
      end_run();
    } else if (is_word(d.cp) || (!run.empty() && continues_word(d.cp))) {
      run.append(bytes);
      run_ascii = run_ascii && d.cp < 0x80;
    } else if ((d.cp == '\'' || d.cp == U'\u2019') && !run.empty() && i < text.size() &&
               is_word(decode_at(text, i).cp)) {
      // An apostrophe inside a word joins it ("children's" -> "childrens").
    } else {
      end_run();  // anything else, an invalid byte too, separates
    }
  }
  end_run();
  return tokens;
}

bool is_stop_word(std::string_view token) {
  return std::binary_search(kStopWords.begin(), kStopWords.end(), token);
}

bool within_one_edit(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    // One substitution, or an adjacent transposition counted as one typo.
    if (i == a.size()) return true;
    if (a.substr(i + 1) == b.substr(i + 1)) return true;
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
  }
  return a.substr(i) == b.substr(i + 1);  // one insertion into a
}

}  // namespace attnrec::service

#include "service/search/text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace attnrec::service {
namespace {

struct Fold {
  uint32_t cp;
  const char* folded;
};

constexpr Fold kFolds[] = {
#include "service/fold_table.inc"
};

constexpr size_t kMaxTokenBytes = 64;

// Decodes one code point at s[*i]; advances *i. Returns 0xFFFFFFFF on a bad
// sequence (and skips one byte).
uint32_t next_code_point(std::string_view s, size_t* i) {
  const auto c = static_cast<unsigned char>(s[*i]);
  if (c < 0x80) {
    ++*i;
    return c;
  }
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
  else { ++*i; return 0xFFFFFFFF; }
  if (*i + n >= s.size()) { ++*i; return 0xFFFFFFFF; }  // truncated
  for (size_t k = 1; k <= n; ++k) {
    const auto cc = static_cast<unsigned char>(s[*i + k]);
    if ((cc & 0xC0) != 0x80) { ++*i; return 0xFFFFFFFF; }
    cp = (cp << 6) | (cc & 0x3F);
  }
  *i += n + 1;
  return cp;
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Appends the folded form of a code point.
void append_folded(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
    return;
  }
  const auto* it = std::lower_bound(std::begin(kFolds), std::end(kFolds), cp,
                                    [](const Fold& f, uint32_t v) { return f.cp < v; });
  if (it != std::end(kFolds) && it->cp == cp) {
    out->append(it->folded);
  } else {
    append_utf8(cp, out);
  }
}

// Letters and digits: ASCII alphanumerics, and every code point from U+00C0
// up except the Latin-1 punctuation and general punctuation / symbol blocks.
bool is_word(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  }
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // punctuation, symbols, arrows
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  if (cp >= 0xFE00 && cp <= 0xFE6F) return false;  // variation selectors, small forms
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;  // emoji
  if (cp == 0xFEFF || cp == 0xFFFFFFFF) return false;
  return true;
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
  for (size_t i = 0; i < text.size();) {
    const uint32_t cp = next_code_point(text, &i);
    if (cp == 0xFFFFFFFF) continue;
    append_folded(cp, &out);
  }
  return out;
}

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  auto flush = [&] {
    if (current.empty()) return;
    if (current.size() > kMaxTokenBytes) {
      // Cut on a code point boundary.
      size_t cut = kMaxTokenBytes;
      while (cut > 0 && (static_cast<unsigned char>(current[cut]) & 0xC0) == 0x80) --cut;
      current.resize(cut);
    }
    tokens.push_back(std::move(current));
    current.clear();
  };
  for (size_t i = 0; i < text.size();) {
    const uint32_t cp = next_code_point(text, &i);
    // An apostrophe inside a word joins it ("children's" -> "childrens").
    if ((cp == '\'' || cp == 0x2019) && !current.empty() && i < text.size()) {
      size_t j = i;
      if (is_word(next_code_point(text, &j))) continue;
    }
    if (is_word(cp)) append_folded(cp, &current);
    else flush();
  }
  flush();
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

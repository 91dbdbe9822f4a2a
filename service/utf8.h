// UTF-8 on utf8proc, the only place the project calls it: validation,
// decoding one code point at a time, general categories, and the two halves
// of a normalisation (decompose with case folding, compose) between which the
// caller may drop or replace code points (service/text.cpp does, for search).
//
// All functions are stateless and thread-safe. Unicode data is utf8proc's
// (Debian 12: utf8proc 2.8, Unicode 15). decompose_folded and compose_append
// reuse a per-thread buffer rather than allocate per call.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace attnrec::service {

// What decode_at() returns for a byte that does not start a well-formed
// sequence (not a Unicode scalar value, so it never collides with one).
inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

// True when `s` is well-formed UTF-8: no stray continuation bytes, no
// truncated sequences, no overlongs, no surrogates (U+D800-U+DFFF) and nothing
// above U+10FFFF. Noncharacters (U+FFFE) and NUL are well-formed.
bool is_utf8(std::string_view s);

struct Decoded {
  char32_t cp;  // the code point, or kInvalidCodePoint
  size_t size;  // bytes consumed: 1-4; 1 for an ill-formed sequence
};

// Decodes the code point that starts at s[pos]. Precondition: pos < s.size().
// An ill-formed sequence gives {kInvalidCodePoint, 1}, so a caller that steps
// by `size` resynchronises on the next byte.
Decoded decode_at(std::string_view s, size_t pos);

// Appends `cp` (a Unicode scalar value) as UTF-8.
void append_utf8(char32_t cp, std::string* out);

// The Unicode general category, coarsely.
enum class CharClass {
  kLetter,  // L*
  kMark,    // M*
  kDigit,   // Nd
  kNumber,  // Nl, No: "Ⅻ", "²", "½", "①"
  kFormat,  // Cf: soft hyphen, zero-width (non-)joiner, ...
  kOther,   // punctuation, symbols, separators, controls, unassigned, kInvalidCodePoint
};
CharClass char_class(char32_t cp);

// True when `cp` has a compatibility decomposition (NFKD differs from NFD):
// full-width forms, ligatures, superscripts, fractions, "™", ...
bool has_compat_decomposition(char32_t cp);

// Appends to `out` the code points of `valid` (well-formed UTF-8; assert) in
// compatibility decomposition (NFKD) with full Unicode case folding applied
// and default-ignorable code points (soft hyphen, ZWJ, ...) removed; combining
// marks are in canonical order. Language-independent: "İ" gives "i" U+0307.
void decompose_folded(std::string_view valid, std::u32string* out);

// Appends `cps` to `out` as UTF-8, composed to NFC. Precondition: `cps` is
// decomposed and canonically ordered, e.g. decompose_folded's output with some
// code points dropped or replaced by starters (combining class 0).
void compose_append(std::u32string_view cps, std::string* out);

}  // namespace attnrec::service

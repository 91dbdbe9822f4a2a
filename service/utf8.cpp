#include "service/utf8.h"

#include <cassert>
#include <vector>

#include <utf8proc.h>

namespace attnrec::service {
namespace {

const utf8proc_uint8_t* bytes(std::string_view s) {
  return reinterpret_cast<const utf8proc_uint8_t*>(s.data());
}

// utf8proc works on int32 code points; char32_t is a distinct type, so the
// conversion goes through this per-thread buffer instead of a cast.
std::vector<utf8proc_int32_t>& workspace() {
  thread_local std::vector<utf8proc_int32_t> buffer;
  return buffer;
}

}  // namespace

bool is_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    utf8proc_int32_t cp;
    // utf8proc_iterate rejects overlongs, surrogates, > U+10FFFF, stray
    // continuation bytes and truncated sequences.
    const utf8proc_ssize_t n = utf8proc_iterate(bytes(s) + i, static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) return false;
    i += static_cast<size_t>(n);
  }
  return true;
}

Decoded decode_at(std::string_view s, size_t pos) {
  assert(pos < s.size());
  const auto c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80) return {c, 1};
  utf8proc_int32_t cp;
  const utf8proc_ssize_t n = utf8proc_iterate(bytes(s) + pos, static_cast<utf8proc_ssize_t>(s.size() - pos), &cp);
  if (n <= 0) return {kInvalidCodePoint, 1};
  return {static_cast<char32_t>(cp), static_cast<size_t>(n)};
}

void append_utf8(char32_t cp, std::string* out) {
  utf8proc_uint8_t buf[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  assert(n > 0);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

CharClass char_class(char32_t cp) {
  if (cp > 0x10FFFF) return CharClass::kOther;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return CharClass::kLetter;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return CharClass::kMark;
    case UTF8PROC_CATEGORY_ND:
      return CharClass::kDigit;
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return CharClass::kNumber;
    case UTF8PROC_CATEGORY_CF:
      return CharClass::kFormat;
    default:
      return CharClass::kOther;
  }
}

bool has_compat_decomposition(char32_t cp) {
  if (cp > 0x10FFFF) return false;
  // decomp_type is 0 for none or a canonical decomposition.
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->decomp_type != 0;
}

void decompose_folded(std::string_view valid, std::u32string* out) {
  constexpr auto kOptions = static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
                                                           UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
  auto& buffer = workspace();
  // Most text decomposes to about as many code points as it has bytes; the
  // first call reports the size needed when that is not enough.
  if (buffer.size() < valid.size() + 16) buffer.resize(valid.size() + 16);
  utf8proc_ssize_t n = 0;
  while (true) {
    n = utf8proc_decompose(bytes(valid), static_cast<utf8proc_ssize_t>(valid.size()), buffer.data(),
                           static_cast<utf8proc_ssize_t>(buffer.size()), kOptions);
    assert(n >= 0 && "decompose_folded: input is not valid UTF-8");
    if (n < 0) return;  // NDEBUG: drop the piece rather than read garbage
    if (static_cast<size_t>(n) <= buffer.size()) break;
    buffer.resize(static_cast<size_t>(n));
  }
  out->reserve(out->size() + static_cast<size_t>(n));
  for (utf8proc_ssize_t i = 0; i < n; ++i) out->push_back(static_cast<char32_t>(buffer[i]));
}

void compose_append(std::u32string_view cps, std::string* out) {
  auto& buffer = workspace();
  buffer.assign(cps.begin(), cps.end());
  const utf8proc_ssize_t n = utf8proc_normalize_utf32(buffer.data(), static_cast<utf8proc_ssize_t>(buffer.size()),
                                                      static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
  assert(n >= 0);
  out->reserve(out->size() + static_cast<size_t>(n));
  for (utf8proc_ssize_t i = 0; i < n; ++i) append_utf8(static_cast<char32_t>(buffer[i]), out);
}

}  // namespace attnrec::service

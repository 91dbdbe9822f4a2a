#include "service/import/fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace attnrec::service::importing {

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t") == std::string_view::npos;
}

void split(std::string_view s, std::string_view sep, std::vector<std::string_view>* out) {
  out->clear();
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) { out->push_back(s.substr(start)); return; }
    out->push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
}

void split_whitespace(std::string_view s, std::vector<std::string_view>* out) {
  out->clear();
  size_t i = 0;
  while (true) {
    i = s.find_first_not_of(" \t", i);
    if (i == std::string_view::npos) return;
    const size_t end = std::min(s.find_first_of(" \t", i), s.size());
    out->push_back(s.substr(i, end - i));
    i = end;
  }
}

bool parse_int(std::string_view s, int64_t* v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_double(std::string_view s, double* v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(*v);
}

CsvResult parse_csv_record(std::string_view line, std::vector<std::string>* fields) {
  fields->clear();
  std::string field;
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    field.clear();
    if (i < n && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= n) return CsvResult::kNeedMore;  // the quoted field holds a newline
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') { field.push_back('"'); i += 2; continue; }
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      if (i < n && line[i] != ',') return CsvResult::kError;  // text after the closing quote
    } else {
      const size_t comma = line.find(',', i);
      const size_t end = comma == std::string_view::npos ? n : comma;
      field.assign(line.substr(i, end - i));
      if (field.find('"') != std::string::npos) return CsvResult::kError;  // stray quote
      i = end;
    }
    fields->push_back(field);
    if (i >= n) return CsvResult::kOk;
    ++i;  // the comma; a trailing comma means one more empty field
    if (i == n) { fields->emplace_back(); return CsvResult::kOk; }
  }
}

}  // namespace attnrec::service::importing

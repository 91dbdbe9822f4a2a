// Splitting a text line into fields and reading numbers from them: the
// vocabulary the import formats share. The split functions return views into
// `s`, valid as long as the text they were cut from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnrec::service::importing {

// True for an empty line or one of spaces and tabs only.
bool is_blank(std::string_view s);

// Splits on every occurrence of `sep` (which may be several characters):
// "a::b::" gives {"a", "b", ""}.
void split(std::string_view s, std::string_view sep, std::vector<std::string_view>* out);

// Splits on runs of spaces and tabs, ignoring leading and trailing ones.
void split_whitespace(std::string_view s, std::vector<std::string_view>* out);

// The whole of `s` as a decimal integer / a finite number; false otherwise.
bool parse_int(std::string_view s, int64_t* v);
bool parse_double(std::string_view s, double* v);

// One CSV record (RFC 4180: fields separated by ',', optionally quoted with
// '"', a doubled quote inside quotes is one quote). kNeedMore when a quoted
// field runs past the end of `line` (the caller appends "\n" + next line).
enum class CsvResult { kOk, kNeedMore, kError };
CsvResult parse_csv_record(std::string_view line, std::vector<std::string>* fields);

}  // namespace attnrec::service::importing

// The service's log: one line per event on stderr, through spdlog.
//
//   json: {"time":"2026-12-01T18:40:00.123Z","level":"info","msg":"request","status":200,...}
//   text: 2026-12-01T18:40:00.123Z info request status=200 ...
//
// Until configure() is called (tests, the offline commands) lines are text
// and written synchronously; configure() switches to the chosen format and
// an asynchronous logger, so that the I/O threads that log every request
// never wait on the terminal or file. Its lines reach stderr in blocks: at
// once from a warning up, otherwise within a second. Lines not yet written
// when the process is killed are lost; shutdown() writes the rest.
//
// Nothing secret is ever passed as a field or message: API keys and
// request headers other than X-Request-Id are not logged.
//
// Thread safety: write() may be called from any thread; configure() and
// shutdown() from one thread while no other logs.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace attnrec::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kJson, kText };

std::optional<Level> parse_level(std::string_view name);    // debug, info, warn, error, off
std::optional<Format> parse_format(std::string_view name);  // json, text

// A field of a line: a string (quoted in JSON) or a number.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, int v) : Field(k, int64_t{v}) {}
  Field(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, double v);  // 3 decimals
  std::string_view key;
  std::string value;
  bool quoted;
};

void configure(Level level, Format format);
void shutdown();

bool enabled(Level level);
void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void debug(std::string_view msg, std::initializer_list<Field> fields = {}) { write(Level::kDebug, msg, fields); }
inline void info(std::string_view msg, std::initializer_list<Field> fields = {}) { write(Level::kInfo, msg, fields); }
inline void warn(std::string_view msg, std::initializer_list<Field> fields = {}) { write(Level::kWarn, msg, fields); }
inline void error(std::string_view msg, std::initializer_list<Field> fields = {}) { write(Level::kError, msg, fields); }

// `s` as the inside of a JSON string (quotes, backslashes and control
// characters escaped; other bytes as they are).
void append_json_escaped(std::string_view s, std::string* out);

}  // namespace attnrec::log

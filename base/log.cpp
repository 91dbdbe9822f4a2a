#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace attnrec::log {

namespace {

constexpr const char* kJsonPattern = R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})";
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";

std::shared_ptr<spdlog::logger> make_logger(std::shared_ptr<spdlog::logger> logger, Format format) {
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      format == Format::kJson ? kJsonPattern : kTextPattern, spdlog::pattern_time_type::utc, "\n"));
  logger->set_level(spdlog::level::trace);  // write() filters
  return logger;
}

// stderr, written in blocks: the async logger's thread would otherwise make
// one write(2) per request line. Flushed at 16 KiB, at every warning or
// error, and once a second (spdlog's flusher).
class BufferedStderr final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    pending_.append(line.data(), line.size());
    if (pending_.size() >= (16 << 10)) flush_();
  }
  void flush_() override {
    size_t done = 0;
    while (done < pending_.size()) {
      const ssize_t n = ::write(STDERR_FILENO, pending_.data() + done, pending_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // nowhere to write: the lines are dropped
      done += size_t(n);
    }
    pending_.clear();
  }

 private:
  std::string pending_;
};

std::shared_ptr<spdlog::logger> sync_logger() {
  return make_logger(std::make_shared<spdlog::logger>(
                         "attnrec", std::make_shared<spdlog::sinks::stderr_sink_mt>()),
                     Format::kText);
}

// The logger in use; the shared_ptr keeps it alive, the atomic pointer is
// what write() reads.
struct State {
  std::shared_ptr<spdlog::logger> owner = sync_logger();
  std::atomic<spdlog::logger*> logger{owner.get()};
  std::atomic<Level> level{Level::kInfo};
  std::atomic<Format> format{Format::kText};
};

State& state() {
  static State s;
  return s;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: break;
  }
  return spdlog::level::off;
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k), quoted(false) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  value = buf;
}

std::optional<Level> parse_level(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn") return Level::kWarn;
  if (name == "error") return Level::kError;
  if (name == "off") return Level::kOff;
  return std::nullopt;
}

std::optional<Format> parse_format(std::string_view name) {
  if (name == "json") return Format::kJson;
  if (name == "text") return Format::kText;
  return std::nullopt;
}

void configure(Level level, Format format) {
  State& s = state();
  if (!spdlog::thread_pool()) spdlog::init_thread_pool(8192, 1);
  // Blocking when the queue is full: a log line is never dropped silently.
  auto logger = make_logger(
      std::make_shared<spdlog::async_logger>("attnrec", std::make_shared<BufferedStderr>(),
                                             spdlog::thread_pool(), spdlog::async_overflow_policy::block),
      format);
  logger->flush_on(spdlog::level::warn);
  spdlog::drop("attnrec");
  spdlog::register_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  s.owner->flush();
  s.level = level;
  s.format = format;
  s.logger = logger.get();
  s.owner = std::move(logger);
}

void shutdown() {
  State& s = state();
  s.owner->flush();
  auto sync = sync_logger();
  if (s.format == Format::kJson) make_logger(sync, Format::kJson);
  s.logger = sync.get();
  s.owner = std::move(sync);  // the async logger goes; its queue was flushed
  spdlog::shutdown();
}

bool enabled(Level level) {
  const Level min = state().level.load(std::memory_order_relaxed);
  return min != Level::kOff && level >= min && level != Level::kOff;
}

void append_json_escaped(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
}

void write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  State& s = state();
  std::string line;
  line.reserve(64 + msg.size() + 24 * fields.size());
  if (s.format.load(std::memory_order_relaxed) == Format::kJson) {
    line += "\"msg\":\"";
    append_json_escaped(msg, &line);
    line += '"';
    for (const Field& f : fields) {
      line += ",\"";
      append_json_escaped(f.key, &line);
      line += "\":";
      if (f.quoted) line += '"';
      if (f.quoted) {
        append_json_escaped(f.value, &line);
      } else {
        line += f.value;
      }
      if (f.quoted) line += '"';
    }
  } else {
    line += msg;
    for (const Field& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      line += f.value;
    }
  }
  s.logger.load(std::memory_order_acquire)->log(to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace attnrec::log

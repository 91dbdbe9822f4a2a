#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace attnrec::cli {

ProgressLine::ProgressLine(Duration tty_every, Duration log_every, bool quiet)
    : tty_every_(tty_every), log_every_(log_every), quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}

void ProgressLine::show(const std::string& text, bool force) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && last_ != std::chrono::steady_clock::time_point{} &&
      now - last_ < (tty_ ? tty_every_ : log_every_)) {
    return;
  }
  last_ = now;
  if (tty_) {
    std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    drawn_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void ProgressLine::print(const std::string& text) {
  std::fprintf(stderr, "%s%s\n", drawn_ ? "\r\x1b[K" : "", text.c_str());
  std::fflush(stderr);
  drawn_ = false;
}

void ProgressLine::finish() {
  if (drawn_) std::fputc('\n', stderr);
  std::fflush(stderr);
  drawn_ = false;
}

std::string human_duration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string human_bytes(double bytes) {
  char buf[32];
  if (bytes >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", bytes / 1e9);
  else if (bytes >= 1e6) std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  else if (bytes >= 1e3) std::snprintf(buf, sizeof buf, "%.0f kB", bytes / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  return buf;
}

}  // namespace attnrec::cli

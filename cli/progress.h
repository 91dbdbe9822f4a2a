// Progress of long work (import, training) on stderr, the one printer every
// subcommand uses: on a terminal a status line redrawn in place at most every
// `tty_every`; otherwise (a pipe, a file, CI logs) a plain line at most every
// `log_every`, so logs stay readable. Lines that stay (an epoch's result)
// print between redraws.
//
// Not thread-safe: one printer is driven by one thread.
#pragma once

#include <chrono>
#include <string>

namespace attnrec::cli {

class ProgressLine {
 public:
  using Duration = std::chrono::steady_clock::duration;

  ProgressLine(Duration tty_every, Duration log_every, bool quiet = false);

  // True when stderr is a terminal (the status line is redrawn in place).
  bool tty() const { return tty_; }
  // Shows the current state unless one was shown too recently; `force`
  // shows it anyway (e.g. the last batch of an epoch). Nothing when quiet.
  void show(const std::string& text, bool force = false);
  // A line that stays, printed below whatever was shown (even when quiet).
  void print(const std::string& text);
  // Ends a redrawn status line so later output starts on a line of its own.
  void finish();

 private:
  const Duration tty_every_, log_every_;
  const bool quiet_, tty_;
  bool drawn_ = false;  // a status line is on screen without a newline
  std::chrono::steady_clock::time_point last_{};
};

// "0:05", "1:02:03".
std::string human_duration(double seconds);
// "512 B", "17 kB", "9.1 MB", "1.20 GB".
std::string human_bytes(double bytes);

}  // namespace attnrec::cli

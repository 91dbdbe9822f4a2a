// Reads a file line by line in large blocks, for the importers.
//
// Lines lose their "\n" / "\r\n". A line longer than 64 MiB is skipped and
// reported as too long, so that a wrong input (one huge JSON array, a binary
// file) cannot take all memory.
//
// Thread safety: one reader is used by one thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace attnrec::service::importing {

class LineReader {
 public:
  // kNotFound (with the system's reason) when `path` cannot be opened.
  Status open(const std::string& path);

  // False at the end of the file or on a read error (see failed()). An
  // over-long line is returned empty with *too_long set. `*line` stays valid
  // until the next call.
  bool next(std::string_view* line, bool* too_long);

  uint64_t consumed() const { return consumed_; }  // bytes up to the last line returned
  bool failed() const { return failed_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  void emit(std::string_view* line, size_t end, size_t next);
  void fill();

  static constexpr size_t kBlock = 1 << 20;
  static constexpr size_t kMaxLine = 64 << 20;
  std::unique_ptr<std::FILE, Closer> file_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool failed_ = false;
  uint64_t consumed_ = 0;
};

}  // namespace attnrec::service::importing

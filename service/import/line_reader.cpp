#include "service/import/line_reader.h"

#include <cerrno>
#include <cstring>

namespace attnrec::service::importing {

Status LineReader::open(const std::string& path) {
  file_.reset(std::fopen(path.c_str(), "rb"));
  if (!file_) return Status::not_found(path + ": cannot open: " + std::strerror(errno));
  return Status::ok();
}

bool LineReader::next(std::string_view* line, bool* too_long) {
  *too_long = false;
  while (true) {
    const size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      emit(line, nl, nl + 1);
      if (*too_long) *line = {};
      return true;
    }
    if (eof_) {
      if (pos_ >= buf_.size()) return *too_long;  // an over-long last line
      emit(line, buf_.size(), buf_.size());
      if (*too_long) *line = {};
      return true;
    }
    if (buf_.size() - pos_ >= kMaxLine) {  // drop what we have of this line
      *too_long = true;
      consumed_ += buf_.size() - pos_;
      buf_.clear();
      pos_ = 0;
    }
    fill();
  }
}

void LineReader::emit(std::string_view* line, size_t end, size_t next) {
  size_t stop = end;
  if (stop > pos_ && buf_[stop - 1] == '\r') --stop;
  *line = std::string_view(buf_).substr(pos_, stop - pos_);
  consumed_ += next - pos_;
  pos_ = next;
}

void LineReader::fill() {
  buf_.erase(0, pos_);
  pos_ = 0;
  const size_t old = buf_.size();
  buf_.resize(old + kBlock);
  const size_t got = std::fread(buf_.data() + old, 1, kBlock, file_.get());
  buf_.resize(old + got);
  if (got < kBlock) {
    eof_ = true;
    failed_ = std::ferror(file_.get()) != 0;
  }
}

}  // namespace attnrec::service::importing

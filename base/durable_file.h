// Files that survive a crash or a power loss whole: every file attnrec
// writes (checkpoints, training reports, demo data) goes through here.
//
// A write is four steps, each a crash point (base/crash_point.h):
//   1. the bytes go to PATH.tmp, in the same directory   "durable.written"
//   2. fsync(PATH.tmp)                                   "durable.synced"
//   3. rename(PATH.tmp, PATH)                            "durable.renamed"
//   4. fsync(the directory)                              "durable.dir_synced"
// so PATH holds either its old content (or nothing) or all of the new, and
// once commit() returns ok the new content survives a power loss. Anything
// that points at PATH (a registry record) must be written after that.
// A crash may leave PATH.tmp behind; readers ignore it and owners of a
// directory may delete it (see kTempSuffix).
//
// Every failure is kIOError with the path and the system's reason.
// Thread safety: a DurableFile is one writer's; distinct paths may be
// written concurrently, the same path may not.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace attnrec {

inline constexpr std::string_view kTempSuffix = ".tmp";

// A file being written under a temporary name; it appears under its name
// on commit(). Destroyed without a successful commit(), it removes the
// temporary file and leaves PATH as it was.
class DurableFile {
 public:
  // Creates (or truncates) PATH.tmp; PATH's directory must exist.
  static Status create(const std::string& path, std::unique_ptr<DurableFile>* out);
  ~DurableFile();
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;

  // Buffered; a failure here or at commit() names the temporary file.
  Status append(std::string_view bytes);
  // Steps 1 (the rest of the buffer) to 4. Call at most once.
  Status commit();

  const std::string& path() const { return path_; }

 private:
  DurableFile(std::string path, int fd);
  Status flush_buffer();

  const std::string path_, tmp_;
  int fd_;
  std::string buffer_;
  bool committed_ = false;
};

// The whole file in one call.
Status write_file_durably(const std::string& path, std::string_view bytes);

// Copies `from` to `to` through a DurableFile; kNotFound when `from` does
// not exist.
Status copy_file_durably(const std::string& from, const std::string& to);

// The whole of `path` (any file, read back): kNotFound when it does not
// exist, kIOError naming it when it cannot be read.
Status read_file(const std::string& path, std::string* bytes);

// mkdir -p, with the parent of every directory it creates fsynced, so the
// new directories survive a power loss too.
Status create_directories_durably(const std::string& dir);

}  // namespace attnrec

#include "storage/rocks/rocks_status.h"

#include <string>

namespace attnrec::storage {

Status from_rocks(const rocksdb::Status& s, std::string_view what, std::string_view path) {
  if (s.ok()) return Status::ok();
  std::string msg(what);
  msg.append(" (store ").append(path).append("): ").append(s.ToString());
  if (s.IsNotFound()) return Status::not_found(std::move(msg));
  if (s.IsCorruption()) return Status::corruption(std::move(msg));
  if (s.IsInvalidArgument() || s.IsNotSupported()) return Status::invalid_argument(std::move(msg));
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return Status::unavailable(std::move(msg));
  return Status::io_error(std::move(msg));
}

Status from_rocks_write(const rocksdb::Status& s, std::string_view path) {
  if (s.ok()) return Status::ok();
  if (!s.IsIOError()) return from_rocks(s, "write", path);  // not the disk's doing
  std::string msg = "the store cannot write";
  if (s.IsNoSpace()) {
    msg += ": the disk is full";
  } else if (s.ToString().find("Read-only file system") != std::string::npos) {
    msg += ": the disk is read-only";
  }
  // RocksDB resumes from a full disk, not from other write errors (a
  // read-only disk): those need a reopen.
  if (s.severity() >= rocksdb::Status::Severity::kFatalError) {
    msg.append("; nothing of this request was stored; restart attnrec once the disk is writable (store ");
  } else {
    msg.append("; nothing of this request was stored, retry later (store ");
  }
  msg.append(path);
  msg.append(": ").append(s.ToString()).append(")");
  return Status::unavailable(std::move(msg));
}

std::string in_quotes(std::string_view s) {
  std::string q = "\"";
  q.append(s).push_back('"');
  return q;
}

bool is_lock_error(const rocksdb::Status& s) {
  if (!s.IsIOError()) return false;
  const std::string text = s.ToString();
  return text.find("lock") != std::string::npos || text.find("LOCK") != std::string::npos;
}

}  // namespace attnrec::storage

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

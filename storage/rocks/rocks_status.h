// The one place where rocksdb::Status becomes attnrec::Status (base/status.h).
// The message names the operation and the store path, then RocksDB's own
// text. Busy, timed-out and try-again become kUnavailable; anything RocksDB
// does not classify becomes kIOError.
#pragma once

#include <string>
#include <string_view>

#include <rocksdb/status.h>

#include "base/status.h"

namespace attnrec::storage {

// `what` names the failed operation, e.g. "write events".
Status from_rocks(const rocksdb::Status& s, std::string_view what, std::string_view path);

// A failed write of the store. An I/O error is the disk's state, not the
// caller's mistake: kUnavailable (503, retry later), saying that nothing of
// the write was stored, and whether the disk is full or read-only. Other
// errors as from_rocks.
Status from_rocks_write(const rocksdb::Status& s, std::string_view path);

// "s", for naming paths and ids in messages.
std::string in_quotes(std::string_view s);

// True when `s` says the database's LOCK file is held (by another process,
// or another handle in this one).
bool is_lock_error(const rocksdb::Status& s);

}  // namespace attnrec::storage

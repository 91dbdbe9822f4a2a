// Reading the event log ("log" column family, arrival order): every event
// in order, or the events of one user. The log is not indexed by user, so
// finding one user's events reads the whole log (erase_user does it from a
// snapshot, outside the writer queue, so ingest goes on meanwhile).
//
// Thread-safe (reads only). Borrows the Database.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>

#include "base/status.h"
#include "storage/rocks/database.h"
#include "storage/rocks/event_codec.h"
#include "storage/rocks/keys.h"

namespace attnrec::storage {

// Calls fn(key, value) for every event with seq >= from_seq, in seq order,
// as of `snapshot` (null: the latest state). `what` names the read in errors.
Status scan_log(const Database& db, const rocksdb::Snapshot* snapshot, uint64_t from_seq,
                const std::function<void(const keys::EventKey&, const EventValue&)>& fn, std::string_view what);

// An event of one user as erase_user removes it.
struct LoggedEvent {
  std::string log_key;
  std::string dedup_key;  // empty: none
  uint32_t item = 0;
  int64_t ts_ms = 0;
  float weight = 1.0f;
};

// Appends the events of `user` with seq >= from_seq to out, and sets
// *next_seq to one past the largest seq read (from_seq when none).
Status user_events(const Database& db, const rocksdb::Snapshot* snapshot, uint32_t user, uint64_t from_seq,
                   std::vector<LoggedEvent>* out, uint64_t* next_seq);

}  // namespace attnrec::storage

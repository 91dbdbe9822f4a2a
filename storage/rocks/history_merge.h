// The merge operator of the "history" column family: each ingest merges the
// user's new events (a history value, see event_codec.h) into the stored
// value without reading it first. A merge keeps the newest `cap` entries by
// (ts_ms, seq), so the result does not depend on arrival order, and merging
// is associative (the newest cap of a union), which makes partial merges
// exact.
//
// Thread-safe (stateless apart from the cap); owned by RocksDB via the
// shared_ptr given to the column family options.
#pragma once

#include <cstddef>
#include <memory>

namespace rocksdb {
class MergeOperator;
}

namespace attnrec::storage {

// Precondition: cap >= 1.
std::shared_ptr<rocksdb::MergeOperator> make_history_merge_operator(size_t cap);

}  // namespace attnrec::storage

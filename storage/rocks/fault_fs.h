// The file system the store's RocksDB writes through: the default one,
// with the test-only disk faults of base/disk_fault.h applied to file
// writes (create, append, sync), so tests can make the store's disk full
// or read-only without root. Without a fault set it only forwards (one
// atomic load per write).
#pragma once

#include <memory>

#include <rocksdb/env.h>

namespace attnrec::storage {

// An Env over FileSystem::Default() with the faults applied; owned by the
// Database, which must outlive nothing that uses it.
std::unique_ptr<rocksdb::Env> make_fault_env();

}  // namespace attnrec::storage

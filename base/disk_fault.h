// Test-only faults of the disk: makes writes of files under a directory
// fail as on a full (ENOSPC) or read-only (EROFS) file system, so a test can
// see what the service does then without root or a real small file system.
// Checked where files are written: DurableFile (checkpoints, reports) and
// the store's RocksDB file system (storage/rocks/fault_fs.h). With no fault
// set (always, outside tests) a check is one atomic load.
//
// A fault applies to files created, written or synced after it is set;
// reads and deletes go on (a full disk still reads, and deleting is how
// space comes back).
//
// Thread safety: all functions may be called from any thread.
#pragma once

#include <string>
#include <string_view>

namespace attnrec {

// Writes under `dir` fail with `err` (ENOSPC, EROFS, ...); err = 0 clears
// the fault of `dir`. Test-only.
void set_disk_fault(const std::string& dir, int err);

// The errno a write of `path` fails with, or 0.
int disk_fault(std::string_view path);

}  // namespace attnrec

// Named points in the sequences whose order matters across a crash (a
// durable file write, a registry update), and the test-only hook that lets a
// test stop a process at any one of them.
//
// Production code calls crash_point() at each step; with no hook installed
// (always, outside tests) the call is one atomic load. A test
// installs a hook, usually in a child process, that counts the points and
// _exit()s at the N-th, so that every state between two steps is reached
// once (tests/service/training/power_loss_test.cpp).
//
// The points, in the order a checkpoint is written and registered:
//   "registry.version_reserved"  detail: the version      (the counter is stored)
//   "durable.written"            detail: PATH.tmp         (all bytes written, not synced)
//   "durable.synced"             detail: PATH.tmp         (fsync returned)
//   "durable.renamed"            detail: PATH             (renamed; directory not synced)
//   "durable.dir_synced"         detail: the directory    (the new name is durable)
//   "registry.recorded"          detail: the version      (the record is stored)
//   "registry.previous_recorded" detail: the old version  (the previous active is stored)
//   "registry.activated"         detail: the version      (the active pointer is stored)
//
// Thread safety: set_crash_hook and crash_point may race; the hook itself
// must be thread-safe if the code under test calls it from several threads.
#pragma once

#include <string>
#include <string_view>

namespace attnrec {

using CrashHook = void (*)(std::string_view point, const std::string& detail);

// Installs `hook` (nullptr removes it). Test-only.
void set_crash_hook(CrashHook hook);

// Calls the installed hook, if any.
void crash_point(std::string_view point, const std::string& detail);

}  // namespace attnrec

#include "base/crash_point.h"

#include <atomic>

namespace attnrec {
namespace {

std::atomic<CrashHook> g_hook{nullptr};

}  // namespace

void set_crash_hook(CrashHook hook) { g_hook.store(hook, std::memory_order_release); }

void crash_point(std::string_view point, const std::string& detail) {
  if (const CrashHook hook = g_hook.load(std::memory_order_acquire)) hook(point, detail);
}

}  // namespace attnrec

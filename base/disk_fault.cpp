#include "base/disk_fault.h"

#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

namespace attnrec {
namespace {

std::atomic<bool> g_any{false};
std::mutex g_mu;
std::vector<std::pair<std::string, int>> g_faults;  // guarded by g_mu

bool under(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  return path.substr(0, dir.size()) == dir && (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace

void set_disk_fault(const std::string& dir, int err) {
  std::lock_guard lock(g_mu);
  std::erase_if(g_faults, [&](const auto& f) { return f.first == dir; });
  if (err != 0) g_faults.emplace_back(dir, err);
  g_any.store(!g_faults.empty(), std::memory_order_release);
}

int disk_fault(std::string_view path) {
  if (!g_any.load(std::memory_order_acquire)) return 0;
  std::lock_guard lock(g_mu);
  for (const auto& [dir, err] : g_faults) {
    if (under(path, dir)) return err;
  }
  return 0;
}

}  // namespace attnrec

// Ingest throughput of storage::Store, synced writes (SyncPolicy::kSync).
//   storage_bench [DIR] [SECONDS_PER_CASE] [nosync]
// Cases: batches of 100 events from 1, 4 and 16 threads; single-event requests
// from 1, 16 and 64 threads (group commit shares the WAL fsync).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "storage/store.h"

using attnrec::Status;
using namespace attnrec::storage;
using Clock = std::chrono::steady_clock;

namespace {

// CPU seconds of the whole process (every thread, RocksDB's flushes included):
// a cost per event that other jobs on the machine move far less than the rate.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

SyncPolicy g_sync = SyncPolicy::kSync;

void run_case(const std::string& root, const char* name, int threads, int batch, double seconds) {
  const std::string path = root + "/" + name;
  std::filesystem::remove_all(path);
  std::unique_ptr<Store> store;
  Options o;
  o.path = path;
  o.sync = g_sync;
  if (Status s = Store::open(o, &store); !s.is_ok()) {
    std::fprintf(stderr, "open: %s\n", s.message().c_str());
    std::exit(1);
  }
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> requests{0};
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  const double cpu_start = process_cpu_seconds();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::vector<Event> batch_events(batch);
      uint64_t n = 0;
      while (Clock::now() < deadline) {
        for (auto& e : batch_events) {
          e.user = "user-" + std::to_string((n * 7919 + t) % 100000);
          e.item = "item-" + std::to_string((n * 104729) % 50000);
          e.type = "view";
          e.ts_ms = 1'700'000'000'000 + static_cast<int64_t>(n);
          e.id = "evt-" + std::to_string(t) + "-" + std::to_string(n);
          ++n;
        }
        WriteResult r;
        if (Status s = store->write_events(batch_events, &r); !s.is_ok()) {
          std::fprintf(stderr, "write: %s\n", s.message().c_str());
          std::exit(1);
        }
        events += r.written;
        ++requests;
      }
    });
  }
  for (auto& th : pool) th.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = process_cpu_seconds() - cpu_start;
  std::printf("%-22s threads=%-3d batch=%-4d %10.0f events/s %9.0f requests/s %7.2f cpu us/event\n", name, threads,
              batch, events / secs, requests / secs, cpu * 1e6 / static_cast<double>(events));
  store.reset();
  std::filesystem::remove_all(path);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : "/tmp/attnrec_storage_bench";
  const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
  if (argc > 3 && std::string(argv[3]) == "nosync") g_sync = SyncPolicy::kNoSync;
  std::filesystem::create_directories(root);
  run_case(root, "batch100_1thread", 1, 100, seconds);
  run_case(root, "batch100_4threads", 4, 100, seconds);
  run_case(root, "batch100_16threads", 16, 100, seconds);
  run_case(root, "single_1thread", 1, 1, seconds);
  run_case(root, "single_16threads", 16, 1, seconds);
  run_case(root, "single_64threads", 64, 1, seconds);
  return 0;
}

// The child process of power_loss_test: trains one tiny model on the store
// in DATA_DIR and activates it (`attnrec train --data-dir` with
// --activate always), stopping dead at the N-th crash point
// (base/crash_point.h).
//
//   crash_child DATA_DIR N MODE
//     N     1-based crash point to die at; 0 runs to the end
//     MODE  "exit": _exit() at the point, so everything written so far
//           survives (a killed process);
//           "power-loss": first undo what a power cut may undo, then _exit():
//           bytes not yet fsynced are cut to half their length, and renames
//           whose directory was not yet fsynced are reverted
//           (PATH back to PATH.tmp; the renamed files are always new names).
//           The store's writes are synced before they return (the default
//           Config::sync_writes), so a power cut keeps them.
//
// Prints every crash point it passes as "POINT DETAIL" on stdout. Exits 0
// after a full run, 75 at the crash point, 1 on a failure.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/crash_point.h"
#include "service/service.h"
#include "service/training/jobs.h"

namespace {

namespace fs = std::filesystem;
using attnrec::Status;

constexpr int kCrashExit = 75;

int g_crash_at = 0;
bool g_power_loss = false;
int g_count = 0;
std::map<std::string, bool> g_unsynced;                  // files whose bytes may be lost
std::vector<std::pair<std::string, std::string>> g_renames;  // {tmp, path}, directory not synced

void lose_unsynced() {
  for (const auto& [tmp, path] : g_renames) {
    std::error_code ec;
    fs::rename(path, tmp, ec);
    if (g_unsynced.erase(path) > 0) g_unsynced[tmp] = true;
  }
  for (const auto& [path, _] : g_unsynced) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (!ec) fs::resize_file(path, size / 2, ec);
  }
}

void on_crash_point(std::string_view point, const std::string& detail) {
  std::printf("%.*s %s\n", int(point.size()), point.data(), detail.c_str());
  std::fflush(stdout);
  if (point == "durable.written") g_unsynced[detail] = true;
  if (point == "durable.synced") g_unsynced.erase(detail);
  if (point == "durable.renamed") {
    const std::string tmp = detail + ".tmp";
    if (g_unsynced.erase(tmp) > 0) g_unsynced[detail] = true;
    g_renames.emplace_back(tmp, detail);
  }
  if (point == "durable.dir_synced") {
    std::erase_if(g_renames, [&](const auto& r) { return fs::path(r.second).parent_path() == detail; });
  }
  if (++g_count == g_crash_at) {
    if (g_power_loss) lose_unsynced();
    std::_Exit(kCrashExit);
  }
}

class QuietContext : public attnrec::service::JobContext {
 public:
  bool cancelled() const override { return false; }
  void update(const std::function<void(attnrec::service::TrainJob&)>& edit) override { edit(job_); }

 private:
  attnrec::service::TrainJob job_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_child DATA_DIR N exit|power-loss\n");
    return 1;
  }
  g_crash_at = std::atoi(argv[2]);
  g_power_loss = std::string(argv[3]) == "power-loss";

  attnrec::service::Config config;
  config.data_dir = argv[1];
  std::unique_ptr<attnrec::service::Service> svc;
  if (const Status s = attnrec::service::Service::open(config, &svc); !s.is_ok()) {
    std::fprintf(stderr, "open: %s\n", s.message().c_str());
    return 1;
  }
  attnrec::service::TrainOptions options = svc->models().default_options();
  options.model.d = 8;
  options.model.d_ff = 16;
  options.model.maxlen = 8;
  options.model.heads = 1;
  options.model.blocks = 1;
  options.train.epochs = 1;
  options.train.batch = 16;
  options.train.threads = 1;
  options.activate_always = true;
  attnrec::set_crash_hook(on_crash_point);
  QuietContext ctx;
  if (const Status s = svc->models().train_now(options, ctx); !s.is_ok()) {
    std::fprintf(stderr, "train: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}

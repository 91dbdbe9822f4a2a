// Power-loss ordering of the model registry (service/training/registry.h,
// lifecycle.h, base/durable_file.h): a child process trains and activates a
// model and dies at each crash point of the checkpoint write and registry
// update in turn, as a killed process and as a power cut (unsynced bytes and
// renames undone); the service reopened on what it left must start, serve
// the old version or the new one, and hold no record whose file is broken.
// Also: startup after damage no crash of ours can cause (a broken active
// checkpoint) falls back to the previously active version, then popularity.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "model/checkpoint.h"
#include "service/service.h"
#include "service/service_fixture.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::Status;
using attnrec::testing::open_at;
using attnrec::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr int kCrashExit = 75;  // crash_child's exit code at its crash point

struct ChildRun {
  int code = -1;
  std::vector<std::string> points;  // "POINT DETAIL" lines, in order
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs tests/service/training/crash_child.cpp on `data_dir`.
ChildRun run_child(const std::string& data_dir, int crash_at, const std::string& mode) {
  const std::string out = data_dir + ".out", err = data_dir + ".err";
  std::vector<std::string> args{ATTNREC_CRASH_CHILD, data_dir, std::to_string(crash_at), mode};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, STDOUT_FILENO);
    dup2(e, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  ChildRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream lines(slurp(out));
  for (std::string line; std::getline(lines, line);) r.points.push_back(line);
  r.err = slurp(err);
  return r;
}

std::string point_name(const std::string& line) { return line.substr(0, line.find(' ')); }

// 24 users walking a ring of 16 items: enough to split and train on.
void ingest_users(const std::string& data_dir) {
  auto svc = open_at(data_dir);
  std::vector<EventInput> batch;
  for (int u = 0; u < 24; ++u) {
    for (int t = 0; t < 6 + u % 5; ++t) {
      batch.push_back(attnrec::testing::event("u" + std::to_string(u), "i" + std::to_string((u * 3 + t) % 16),
                                              1700000000000 + t * 1000));
    }
  }
  IngestResult r;
  REQUIRE(svc->events().ingest(batch, &r).is_ok());
}

std::vector<std::string> leftover_temporaries(const std::string& data_dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(data_dir + "/models")) {
    if (e.path().extension() == ".tmp") out.push_back(e.path().string());
  }
  return out;
}

// The service opened on `data_dir` starts, serves `live` (a version or ""
// for popularity) through the recommender, and every registry record names
// a checkpoint that loads.
void check_restart(const std::string& data_dir, const std::vector<std::string>& allowed) {
  auto svc = open_at(data_dir);  // REQUIREs a successful start
  const std::string live = svc->models().live_version();
  INFO("live version after restart: '" << live << "'");
  CHECK(std::find(allowed.begin(), allowed.end(), live) != allowed.end());

  RecommendRequest req;
  req.user = "u0";
  Recommendations rec;
  REQUIRE(svc->recommender().recommend(req, &rec).is_ok());
  CHECK(rec.model_version == live);
  CHECK_FALSE(rec.items.empty());

  std::vector<ModelRecord> records;
  REQUIRE(svc->models().list(&records).is_ok());
  for (const ModelRecord& r : records) {
    const auto net = attnrec::model::load_checkpoint(data_dir + "/" + r.file);
    INFO("record " << r.version << " names " << r.file);
    CHECK(net.ok());
  }
  CHECK(leftover_temporaries(data_dir).empty());
}

}  // namespace

TEST_CASE("a crash at any step of writing and activating a model leaves the old or the new one serving",
          "[models][crash]") {
  TempDir root;
  const std::string base = root.sub("base");
  ingest_users(base);
  const ChildRun first = run_child(base, 0, "exit");
  INFO(first.err);
  REQUIRE(first.code == 0);  // v1 trained and active: the old model

  // A full second run on a copy: the points a crash can fall between.
  const std::string dry = root.sub("dry");
  fs::copy(base, dry, fs::copy_options::recursive);
  const ChildRun full = run_child(dry, 0, "exit");
  INFO(full.err);
  REQUIRE(full.code == 0);
  std::vector<std::string> names;
  for (const std::string& p : full.points) names.push_back(point_name(p));
  REQUIRE(names == std::vector<std::string>{"registry.version_reserved", "durable.written", "durable.synced",
                                            "durable.renamed", "durable.dir_synced", "registry.recorded",
                                            "registry.previous_recorded", "registry.activated"});
  check_restart(dry, {"v2"});

  for (const std::string mode : {"exit", "power-loss"}) {
    for (size_t i = 1; i <= names.size(); ++i) {
      const std::string dir = root.sub(mode + "-" + std::to_string(i));
      fs::copy(base, dir, fs::copy_options::recursive);
      const ChildRun crashed = run_child(dir, int(i), mode);
      INFO(mode << ": crash after " << names[i - 1] << "; child stderr: " << crashed.err);
      REQUIRE(crashed.code == kCrashExit);
      // Once the active pointer is stored, only the new version may serve.
      if (names[i - 1] == "registry.activated") {
        check_restart(dir, {"v2"});
      } else {
        check_restart(dir, {"v1", "v2"});
      }
      // And the service goes on: the next version trains and activates.
      if (i == 2 || i == 4) {
        const ChildRun again = run_child(dir, 0, "exit");
        INFO(again.err);
        REQUIRE(again.code == 0);
        check_restart(dir, {"v3"});
      }
    }
  }
}

TEST_CASE("startup falls back from a broken active checkpoint to the previous version, then popularity",
          "[models][crash]") {
  TempDir root;
  const std::string dir = root.sub("data");
  ingest_users(dir);
  REQUIRE(run_child(dir, 0, "exit").code == 0);  // v1
  REQUIRE(run_child(dir, 0, "exit").code == 0);  // v2, active; v1 previous
  check_restart(dir, {"v2"});
  const std::string v1 = dir + "/models/v1.sasrec", v2 = dir + "/models/v2.sasrec";

  SECTION("the active file is truncated") {
    fs::resize_file(v2, fs::file_size(v2) / 2);
    auto svc = open_at(dir);
    CHECK(svc->models().live_version() == "v1");
  }
  SECTION("the active file has a flipped byte") {
    std::fstream f(v2, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
    f.close();
    auto svc = open_at(dir);
    CHECK(svc->models().live_version() == "v1");
  }
  SECTION("both files are gone: popularity serves") {
    fs::remove(v2);
    fs::remove(v1);
    auto svc = open_at(dir);
    CHECK(svc->models().live_version().empty());
    RecommendRequest req;
    req.user = "u0";
    Recommendations rec;
    REQUIRE(svc->recommender().recommend(req, &rec).is_ok());
    CHECK(rec.strategy == "popularity");
    CHECK_FALSE(rec.items.empty());
  }
  SECTION("temporary files of interrupted writes and unrecorded checkpoints are removed") {
    std::ofstream(dir + "/models/v3.sasrec.tmp") << "half a checkpoint";
    std::ofstream(dir + "/models/v2.sasrec.tmp") << "";
    fs::copy_file(v2, dir + "/models/v9.sasrec");  // whole, but its job died before recording it
    std::ofstream(dir + "/models/notes.txt") << "an operator's file";
    auto svc = open_at(dir);
    CHECK(svc->models().live_version() == "v2");
    CHECK(leftover_temporaries(dir).empty());
    CHECK(fs::exists(v2));
    CHECK(fs::exists(v1));
    CHECK_FALSE(fs::exists(dir + "/models/v9.sasrec"));
    CHECK(fs::exists(dir + "/models/notes.txt"));
  }
}

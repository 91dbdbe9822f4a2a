// base/durable_file: the content lands whole under its name, nothing is left
// under the temporary name, each failure names its path, and the crash
// points come in the order that makes a crash at any of them safe.
#include <sys/stat.h>

#include <cerrno>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "base/crash_point.h"
#include "base/disk_fault.h"
#include "base/durable_file.h"
#include "temp_dir.h"

using attnrec::DurableFile;
using attnrec::Status;
using attnrec::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_plain(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// What the file system looked like at each crash point of one write.
struct Seen {
  std::string point, detail;
  bool tmp_exists = false;
  std::string final_content, tmp_content;
};
std::vector<Seen> g_seen;
std::string g_path;

void record_state(std::string_view point, const std::string& detail) {
  Seen s;
  s.point = point;
  s.detail = detail;
  s.tmp_exists = fs::exists(g_path + ".tmp");
  s.final_content = read(g_path);
  if (s.tmp_exists) s.tmp_content = read(g_path + ".tmp");
  g_seen.push_back(std::move(s));
}

// Installs the hook for one scope.
struct HookScope {
  explicit HookScope(attnrec::CrashHook hook) { attnrec::set_crash_hook(hook); }
  ~HookScope() { attnrec::set_crash_hook(nullptr); }
};

}  // namespace

TEST_CASE("write_file_durably writes the bytes under the name and leaves no temporary file", "[durable]") {
  TempDir dir;
  const std::string path = dir.sub("model.bin");
  const std::string bytes("a\0b\nc", 5);
  REQUIRE(attnrec::write_file_durably(path, bytes).is_ok());
  CHECK(read(path) == bytes);
  CHECK_FALSE(fs::exists(path + ".tmp"));

  SECTION("a second write replaces the first") {
    REQUIRE(attnrec::write_file_durably(path, "new").is_ok());
    CHECK(read(path) == "new");
    CHECK(std::vector<fs::path>(fs::directory_iterator(dir.path()), {}).size() == 1);
  }
  SECTION("an empty file is a file") {
    REQUIRE(attnrec::write_file_durably(path, "").is_ok());
    CHECK(fs::exists(path));
    CHECK(fs::file_size(path) == 0);
  }
}

TEST_CASE("a streamed file larger than the buffer arrives whole and in order", "[durable]") {
  TempDir dir;
  const std::string path = dir.sub("lines.jsonl");
  std::unique_ptr<DurableFile> f;
  REQUIRE(DurableFile::create(path, &f).is_ok());
  std::string expected;
  for (int i = 0; i < 200000; ++i) {
    const std::string line = std::to_string(i) + "\n";
    expected += line;
    REQUIRE(f->append(line).is_ok());
  }
  const std::string big(3 << 20, 'x');  // bigger than the buffer in one call
  expected += big;
  REQUIRE(f->append(big).is_ok());
  CHECK_FALSE(fs::exists(path));  // nothing under the name before commit
  REQUIRE(f->commit().is_ok());
  CHECK(read(path) == expected);
  CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("a file destroyed before commit leaves the old content and no temporary file", "[durable]") {
  TempDir dir;
  const std::string path = dir.sub("report.json");
  write_plain(path, "old");
  {
    std::unique_ptr<DurableFile> f;
    REQUIRE(DurableFile::create(path, &f).is_ok());
    REQUIRE(f->append("half of the new").is_ok());
  }
  CHECK(read(path) == "old");
  CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("durable write failures are IOError naming the path", "[durable]") {
  TempDir dir;
  SECTION("the directory does not exist") {
    const std::string path = dir.sub("missing/model.bin");
    const Status s = attnrec::write_file_durably(path, "x");
    REQUIRE(s.code() == Status::Code::kIOError);
    CHECK(contains(s.message(), path + ".tmp"));
    CHECK(contains(s.message(), "cannot create file"));
  }
  SECTION("the name is taken by a directory: the rename fails, the temporary file goes") {
    const std::string path = dir.sub("taken");
    fs::create_directories(fs::path(path) / "inside");
    const Status s = attnrec::write_file_durably(path, "x");
    REQUIRE(s.code() == Status::Code::kIOError);
    CHECK(contains(s.message(), path));
    CHECK(contains(s.message(), "rename"));
    CHECK_FALSE(fs::exists(path + ".tmp"));
    CHECK(fs::is_directory(path));
  }
  SECTION("the directory is read-only") {
    if (geteuid() == 0) SUCCEED("root ignores permissions; nothing to check");
    else {
      const std::string ro = dir.sub("ro");
      fs::create_directories(ro);
      fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
      const Status s = attnrec::write_file_durably(ro + "/f", "x");
      fs::permissions(ro, fs::perms::owner_all);
      REQUIRE(s.code() == Status::Code::kIOError);
      CHECK(contains(s.message(), ro + "/f.tmp"));
    }
  }
  SECTION("the disk is full or read-only (base/disk_fault.h): the old content stays, no temporary file") {
    const std::string path = dir.sub("model.bin");
    REQUIRE(attnrec::write_file_durably(path, "old").is_ok());
    for (const int err : {ENOSPC, EROFS}) {
      attnrec::set_disk_fault(dir.path(), err);
      const Status s = attnrec::write_file_durably(path, std::string(3 << 20, 'x'));
      attnrec::set_disk_fault(dir.path(), 0);
      REQUIRE(s.code() == Status::Code::kIOError);
      CHECK(contains(s.message(), path + ".tmp"));
      CHECK(contains(s.message(), err == ENOSPC ? "No space left on device" : "Read-only file system"));
      CHECK(read(path) == "old");
      CHECK_FALSE(fs::exists(path + ".tmp"));
    }
    // A fault elsewhere, or a cleared one, does not touch this directory.
    attnrec::set_disk_fault(dir.path() + "-other", ENOSPC);
    CHECK(attnrec::write_file_durably(path, "new").is_ok());
    attnrec::set_disk_fault(dir.path() + "-other", 0);
    CHECK(read(path) == "new");
  }
}

TEST_CASE("the crash points of a durable write come in the safe order", "[durable]") {
  TempDir dir;
  g_path = dir.sub("ckpt");
  write_plain(g_path, "old");
  g_seen.clear();
  {
    HookScope hook(record_state);
    REQUIRE(attnrec::write_file_durably(g_path, "new").is_ok());
  }
  REQUIRE(g_seen.size() == 4);
  // Written and synced: the whole new content is under the temporary name,
  // the old one still under the name.
  CHECK(g_seen[0].point == "durable.written");
  CHECK(g_seen[1].point == "durable.synced");
  for (int i : {0, 1}) {
    CHECK(g_seen[i].detail == g_path + ".tmp");
    CHECK(g_seen[i].tmp_content == "new");
    CHECK(g_seen[i].final_content == "old");
  }
  // Renamed, then the directory synced: the new content under the name.
  CHECK(g_seen[2].point == "durable.renamed");
  CHECK(g_seen[2].detail == g_path);
  CHECK(g_seen[3].point == "durable.dir_synced");
  CHECK(g_seen[3].detail == dir.path());
  for (int i : {2, 3}) {
    CHECK_FALSE(g_seen[i].tmp_exists);
    CHECK(g_seen[i].final_content == "new");
  }
}

TEST_CASE("copy_file_durably copies the bytes, and a missing source is NotFound", "[durable]") {
  TempDir dir;
  std::string bytes;
  for (int i = 0; i < 100000; ++i) bytes += char(i * 7);
  write_plain(dir.sub("from"), bytes);
  REQUIRE(attnrec::copy_file_durably(dir.sub("from"), dir.sub("to")).is_ok());
  CHECK(read(dir.sub("to")) == bytes);
  CHECK_FALSE(fs::exists(dir.sub("to.tmp")));

  const Status missing = attnrec::copy_file_durably(dir.sub("nope"), dir.sub("to"));
  CHECK(missing.is_not_found());
  CHECK(contains(missing.message(), dir.sub("nope")));
  CHECK(read(dir.sub("to")) == bytes);
}

TEST_CASE("create_directories_durably makes every missing level and refuses a file in the way",
          "[durable]") {
  TempDir dir;
  const std::string deep = dir.sub("a/b/c");
  REQUIRE(attnrec::create_directories_durably(deep).is_ok());
  CHECK(fs::is_directory(deep));
  REQUIRE(attnrec::create_directories_durably(deep).is_ok());  // already there

  write_plain(dir.sub("file"), "x");
  const Status s = attnrec::create_directories_durably(dir.sub("file/sub"));
  REQUIRE(s.code() == Status::Code::kIOError);
  CHECK(contains(s.message(), dir.sub("file")));
}

// Helpers of the tests that run commands the way a user types them: a
// shell command's output and exit code, a file's text, and the demo store
// that ./scripts/demo.sh builds.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace attnrec::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// stdout of `sh -c command`; its exit code in *code when given.
inline std::string shell(const std::string& command, int* code = nullptr) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[8192];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  if (code) *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// scripts/demo.sh's steps into `data_dir` (demo-data with seed 42 and
// `demo_flags`, import, a two-epoch train): a store with a trained model v1,
// live. Activation is forced: two epochs on a small demo (100 users) do not
// beat popularity on validation, and the tests that use it need a model.
inline void make_demo_store(const std::string& binary, const std::string& data_dir,
                            const std::string& demo_flags = "") {
  int code = -1;
  shell(binary + " demo-data --out " + data_dir + "/demo --seed 42 " + demo_flags + " >/dev/null 2>&1", &code);
  REQUIRE(code == 0);
  shell(binary + " import --data-dir " + data_dir + " --format jsonl " + data_dir + "/demo/items.jsonl " +
            data_dir + "/demo/events.jsonl >/dev/null 2>&1",
        &code);
  REQUIRE(code == 0);
  shell(binary + " train --data-dir " + data_dir + " --epochs 2 --activate always --quiet >/dev/null 2>&1", &code);
  REQUIRE(code == 0);
}

}  // namespace attnrec::testing

// The README's tour, run as written: the demo store `./scripts/demo.sh`
// builds (demo-data with seed 42, import, a short train), `attnrec serve` on
// it, then every curl command of the "Using the API" block, in order, with
// only the address changed. Each must answer 2xx: an example that stops
// working fails here, not in a user's terminal.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "child_process.h"
#include "temp_dir.h"

using attnrec::testing::ServeProcess;
using attnrec::testing::TempDir;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs a shell command; its stdout, and its exit code in *code.
std::string shell(const std::string& command, int* code) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// The curl commands of the README's first ```sh block after "## Using the
// API", continuation lines joined.
std::vector<std::string> tour_commands(const std::string& readme) {
  const size_t section = readme.find("\n## Using the API");
  const size_t begin = readme.find("```sh\n", section);
  const size_t end = readme.find("\n```", begin + 6);
  std::istringstream block(readme.substr(begin + 6, end - begin - 6));
  std::vector<std::string> out;
  std::string command;
  for (std::string line; std::getline(block, line);) {
    if (command.empty() && (line.empty() || line[0] == '#')) continue;
    const bool continued = !line.empty() && line.back() == '\\';
    command += continued ? line.substr(0, line.size() - 1) : line;
    if (!continued) {
      out.push_back(command);
      command.clear();
    }
  }
  return out;
}

}  // namespace

TEST_CASE("README: every curl command of the tour answers 2xx on the demo store", "[cli][readme]") {
  const std::vector<std::string> commands = tour_commands(read_file(ATTNREC_SOURCE_DIR "/README.md"));
  REQUIRE(commands.size() >= 20);

  TempDir dir;
  const std::string data = dir.sub("var"), bin = ATTNREC_BINARY;
  int code = -1;
  // scripts/demo.sh's steps, with a shorter training.
  shell(bin + " demo-data --out " + data + "/demo --seed 42 >/dev/null 2>&1", &code);
  REQUIRE(code == 0);
  shell(bin + " import --data-dir " + data + " --format jsonl " + data + "/demo/items.jsonl " + data +
            "/demo/events.jsonl >/dev/null 2>&1",
        &code);
  REQUIRE(code == 0);
  shell(bin + " train --data-dir " + data + " --epochs 2 --quiet >/dev/null 2>&1", &code);
  REQUIRE(code == 0);

  ServeProcess server(bin, {"--data-dir", data, "--threads", "2", "--cpu-threads", "1", "--train-threads", "1"},
                      dir.sub("serve.log"));
  REQUIRE(server.port() != 0);
  const std::string address = "127.0.0.1:" + std::to_string(server.port());
  size_t ran = 0;
  for (std::string command : commands) {
    REQUIRE(command.rfind("curl ", 0) == 0);
    for (size_t at; (at = command.find("localhost:8080")) != std::string::npos;) {
      command.replace(at, 14, address);
    }
    // The status after the body, on a line of its own.
    const std::string out = shell(command + " -w '\\n%{http_code}'", &code);
    INFO(command << "\n-> " << out);
    CHECK(code == 0);
    const std::string status = out.substr(out.rfind('\n') + 1);
    CHECK((status.size() == 3 && status[0] == '2'));
    ++ran;
  }
  CHECK(ran == commands.size());
  server.terminate();
  CHECK(server.exit() == 0);
}

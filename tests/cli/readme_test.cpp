// The README's tour, run as written: the demo store `./scripts/demo.sh`
// builds (demo-data with seed 42, import, a short train), `attnrec serve` on
// it, then every curl command of the "Using the API" block, in order, with
// only the address changed. Each must answer 2xx: an example that stops
// working fails here, not in a user's terminal.
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "child_process.h"
#include "shell.h"
#include "temp_dir.h"

using attnrec::testing::make_demo_store;
using attnrec::testing::read_text;
using attnrec::testing::ServeProcess;
using attnrec::testing::shell;
using attnrec::testing::TempDir;

namespace {

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
  const std::vector<std::string> commands = tour_commands(read_text(ATTNREC_SOURCE_DIR "/README.md"));
  REQUIRE(commands.size() >= 20);

  TempDir dir;
  const std::string data = dir.sub("var"), bin = ATTNREC_BINARY;
  make_demo_store(bin, data);  // the README's users and items
  int code = -1;

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

TEST_CASE("README: the configuration table lists every serve setting with its default", "[cli][readme]") {
  const std::string readme = read_text(ATTNREC_SOURCE_DIR "/README.md");
  int code = -1;
  // Run from an empty environment's defaults: every line is `# default`.
  const std::string printed = shell("env -i " ATTNREC_BINARY " serve --print-config", &code);
  REQUIRE(code == 0);
  std::istringstream lines(printed);
  size_t settings = 0;
  const std::regex setting(R"re(^(# )?([a-z-]+) = "?([^"]*)"?  # default$)re");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, setting)) continue;
    const std::string row = "\n| `--" + m[2].str() + "` |";  // a row that begins with it
    INFO(line);
    const size_t at = readme.find(row);
    REQUIRE(at != std::string::npos);
    if (!m[1].matched) {
      const std::string cells = readme.substr(at, readme.find('\n', at + 1) - at);
      CHECK(cells.find("| `" + m[3].str() + "` |") != std::string::npos);
    }
    ++settings;
  }
  CHECK(settings >= 30);
}

// The container files (Dockerfile, docker-compose.yml): no Docker engine
// runs here, so their structure is checked against what they refer to: the
// files they copy exist, the runtime stage installs the package of every
// shared library the binary links, each ATTNREC_* variable and each flag
// they pass is one the binary has, the healthcheck asks a real route, and
// both services share the data volume.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "shell.h"

using attnrec::testing::read_text;
using attnrec::testing::shell;

namespace {

std::set<std::string> matches(const std::string& text, const std::string& pattern, int group = 0) {
  std::set<std::string> out;
  const std::regex re(pattern);
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) out.insert((*it)[group].str());
  return out;
}

const std::string kRoot = ATTNREC_SOURCE_DIR;

}  // namespace

TEST_CASE("Dockerfile: two Debian 12 stages, its copies exist, the runtime has every linked library", "[cli][deploy]") {
  const std::string docker = read_text(kRoot + "/Dockerfile");
  REQUIRE(!docker.empty());
  CHECK(docker.find("FROM debian:12 AS build") != std::string::npos);
  CHECK(docker.find("FROM debian:12-slim") != std::string::npos);
  CHECK(docker.find("COPY --from=build /src/build/attnrec /usr/local/bin/attnrec") != std::string::npos);
  CHECK(docker.find("HEALTHCHECK") != std::string::npos);
  CHECK(docker.find("VOLUME /var/lib/attnrec") != std::string::npos);
  for (const std::string& src : matches(docker, "\nCOPY ([^- \n][^ \n]*) ", 1)) {
    INFO(src);
    CHECK(std::filesystem::exists(kRoot + "/" + src));
  }

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer build links its runtime and debug libraries; the image is
  // built with the default preset, whose binary the check below is about.
  WARN("the linked-library check needs the default build's binary");
  return;
#endif
  // The runtime stage's packages: from its apt-get install to the next
  // command.
  const size_t runtime = docker.find("FROM debian:12-slim");
  const size_t install = docker.find("apt-get install", runtime);
  REQUIRE(install != std::string::npos);
  const std::string packages = docker.substr(install, docker.find("&&", install) - install);
  const std::string libs = shell("ldd " ATTNREC_BINARY " | awk '$3 ~ /^\\// {print $3}'");
  size_t checked = 0;
  for (const std::string& lib : matches(libs, "[^\n]+")) {
    const std::string real = std::filesystem::canonical(lib).string();
    std::string package = shell("dpkg -S '" + real + "' 2>/dev/null | cut -d: -f1 | head -1");
    while (!package.empty() && package.back() == '\n') package.pop_back();
    if (package.empty() || package == "libc6" || package == "libgcc-s1" || package == "libstdc++6") continue;
    INFO(lib << " is in " << package);
    CHECK(packages.find(" " + package + " ") != std::string::npos);
    ++checked;
  }
  CHECK(checked >= 3);  // boost json, spdlog, utf8proc at least
}

TEST_CASE("docker-compose.yml: the service and the train profile share a volume, with real flags and routes",
          "[cli][deploy]") {
  const std::string compose = read_text(kRoot + "/docker-compose.yml");
  const std::string docker = read_text(kRoot + "/Dockerfile");
  REQUIRE(!compose.empty());
  CHECK(compose.find("\n  attnrec:\n") != std::string::npos);
  CHECK(compose.find("\n  train:\n") != std::string::npos);
  CHECK(compose.find("profiles: [\"train\"]") != std::string::npos);
  CHECK(matches(compose, "- attnrec-data:/var/lib/attnrec").size() == 1);
  CHECK(std::regex_search(compose, std::regex("- attnrec-data:/var/lib/attnrec[^]*- attnrec-data:/var/lib/attnrec")));
  CHECK(compose.find("\nvolumes:\n  attnrec-data:") != std::string::npos);
  CHECK(std::filesystem::exists(kRoot + "/" + *matches(compose, "dockerfile: ([^\n]+)", 1).begin()));

  // The healthchecks ask routes the API serves.
  const std::string openapi = read_text(kRoot + "/api/openapi.json");
  for (const auto& text : {compose, docker}) {
    for (const std::string& route : matches(text, "http://127\\.0\\.0\\.1:8080(/[a-z/]+)", 1)) {
      INFO(route);
      CHECK(openapi.find("\"" + route + "\"") != std::string::npos);
    }
  }

  // Every ATTNREC_* variable set is one serve reads.
  const std::string help = shell(ATTNREC_BINARY " serve --help");
  const std::set<std::string> known = matches(help, "Env:(ATTNREC_[A-Z_]+)", 1);
  REQUIRE(known.size() > 20);
  std::set<std::string> used = matches(compose, "\n +(ATTNREC_[A-Z_]+):", 1);
  for (const std::string& v : matches(docker, "(?:ENV |\n +)(ATTNREC_[A-Z_]+)=", 1)) used.insert(v);
  CHECK(used.size() >= 5);
  for (const std::string& v : used) {
    INFO(v);
    CHECK(known.contains(v));
  }

  // The train profile's command line is one `attnrec train` takes.
  const std::string train_help = shell(ATTNREC_BINARY " train --help");
  const auto command = matches(compose, "command: \\[\"train\"([^\n]*)\\]", 1);
  REQUIRE(command.size() == 1);
  for (const std::string& flag : matches(*command.begin(), "--[a-z-]+")) {
    INFO(flag);
    CHECK(train_help.find(flag + " ") != std::string::npos);
  }
}

// The attnrec command line, run as a process the way a user runs it: help,
// exit codes, `listening on` with port 0, environment and config precedence,
// import errors with FILE:LINE, progress lines when stderr is not a terminal.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "child_process.h"
#include "temp_dir.h"

namespace {

using attnrec::testing::TempDir;

struct Run {
  int code = -1;
  std::string out, err;
};

pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            int* out_fd, int* err_fd) {
  return attnrec::testing::spawn(ATTNREC_BINARY, args, env, out_fd, err_fd);
}

// Reads both pipes until they close, then reaps the child.
Run run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  int out_fd = -1, err_fd = -1;
  const pid_t pid = spawn(args, env, &out_fd, &err_fd);
  Run r;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  char buf[4096];
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds, 2, 1000) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, size_t(n));
      }
    }
  }
  if (open_fds > 0) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  for (const auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  return r;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  REQUIRE(f);
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// A serve process: waits for its `listening on HOST:PORT` line, stops it with SIGTERM.
struct Served {
  std::string listening;  // the first stdout line
  std::string err;        // stderr after it stopped
  int code = -1;
};

Served serve_once(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  int out_fd = -1, err_fd = -1;
  std::vector<std::string> all = {"serve"};
  all.insert(all.end(), args.begin(), args.end());
  const pid_t pid = spawn(all, env, &out_fd, &err_fd);
  Served s;
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  char buf[1024];
  while (out.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_fd, POLLIN, 0};
    if (poll(&p, 1, 500) <= 0) continue;
    const ssize_t n = read(out_fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  s.listening = out.substr(0, out.find('\n'));
  kill(pid, SIGTERM);
  while (true) {
    const ssize_t n = read(err_fd, buf, sizeof buf);
    if (n <= 0) break;
    s.err.append(buf, size_t(n));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  s.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  close(out_fd);
  close(err_fd);
  return s;
}

}  // namespace

TEST_CASE("every subcommand has --help and exits 0 with it", "[cli]") {
  const Run top = run({"--help"});
  CHECK(top.code == 0);
  for (const char* sub : {"serve", "import", "demo-data", "train", "eval", "recommend"}) {
    INFO(sub);
    CHECK(contains(top.out, sub));
    const Run r = run({sub, "--help"});
    CHECK(r.code == 0);
    CHECK(contains(r.out, "Usage:"));
    CHECK(contains(r.out, "--"));  // lists its flags
  }
  const Run version = run({"--version"});
  CHECK(version.code == 0);
  CHECK(contains(version.out, "attnrec"));
}

TEST_CASE("usage errors exit 2 with a message and bad input exits 1", "[cli]") {
  TempDir dir;
  const Run none = run({});
  CHECK(none.code == 2);
  const Run unknown_flag = run({"serve", "--bogus"});
  CHECK(unknown_flag.code == 2);
  CHECK(contains(unknown_flag.err, "--bogus"));
  const Run unknown_command = run({"fly"});
  CHECK(unknown_command.code == 2);
  const Run bad_format = run({"import", "--data-dir", dir.sub("s"), "--format", "nope", "x"});
  CHECK(bad_format.code == 2);
  CHECK(contains(bad_format.err, "--format"));
  const Run bad_listen = run({"serve", "--data-dir", dir.sub("s"), "--listen", "nowhere"});
  CHECK(bad_listen.code == 2);
  CHECK(contains(bad_listen.err, "--listen must be HOST:PORT"));

  const Run train = run({"train"});
  CHECK(train.code == 1);
  CHECK(contains(train.err, "train needs --input FILE"));
  const Run eval = run({"eval", "--model", dir.sub("none.sasrec"), "--input", dir.sub("none.txt")});
  CHECK(eval.code == 1);
  CHECK(contains(eval.err, "does not exist"));
  // A path that does not exist is refused by the flag's own check.
  const Run missing = run({"import", "--data-dir", dir.sub("s"), "--format", "pairs", dir.sub("absent.txt")});
  CHECK(missing.code == 2);
  CHECK(contains(missing.err, "absent.txt"));
}

TEST_CASE("import names FILE:LINE of a bad line and prints progress lines on a pipe", "[cli]") {
  TempDir dir;
  const std::string bad = dir.sub("bad.jsonl");
  write_file(bad, "{\"user\":\"u1\",\"item\":\"i1\"}\n{\"user\":\"u1\"}\n");
  const Run r = run({"import", "--data-dir", dir.sub("s"), "--format", "jsonl", bad});
  CHECK(r.code == 1);
  CHECK(contains(r.err, bad + ":2:"));
  CHECK(contains(r.err, "`item` is required"));

  const std::string good = dir.sub("pairs.txt");
  std::string text;
  for (int u = 0; u < 50; ++u) {
    for (int i = 0; i < 5; ++i) text += "u" + std::to_string(u) + " i" + std::to_string((u + i) % 20) + "\n";
  }
  write_file(good, text);
  const Run ok = run({"import", "--data-dir", dir.sub("s"), "--format", "pairs", good});
  INFO(ok.err);
  CHECK(ok.code == 0);
  // stderr is a pipe: plain lines, no carriage-return redraws.
  CHECK(contains(ok.err, "import: 100.0%"));
  CHECK_FALSE(contains(ok.err, "\r"));
  CHECK(contains(ok.out, "\"events_accepted\":250"));
}

TEST_CASE("import redraws a progress bar in place on a terminal", "[cli]") {
  TempDir dir;
  const std::string pairs = dir.sub("pairs.txt");
  std::string text;
  for (int u = 0; u < 200; ++u) text += "u" + std::to_string(u) + " i" + std::to_string(u % 30) + "\n";
  write_file(pairs, text);
  // stdout and stderr on one pseudo-terminal, as in an interactive shell.
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::string bin = ATTNREC_BINARY;
    const std::string store = dir.sub("s");
    execl(bin.c_str(), bin.c_str(), "import", "--data-dir", store.c_str(), "--format", "pairs", pairs.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string screen;
  char buf[4096];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 500) <= 0) continue;
    const ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has exited
    screen.append(buf, size_t(n));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  INFO(screen);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(contains(screen, "\r["));            // the bar, redrawn from the line start
  CHECK(contains(screen, "] 100.0%"));
  CHECK_FALSE(contains(screen, "import: "));  // not the plain-line form
}

TEST_CASE("serve prints `listening on` with port 0 and stops cleanly on SIGTERM", "[cli]") {
  TempDir dir;
  const Served s = serve_once({"--data-dir", dir.sub("s"), "--listen", "127.0.0.1:0"});
  INFO(s.err);
  REQUIRE(s.listening.rfind("listening on 127.0.0.1:", 0) == 0);
  CHECK(s.listening != "listening on 127.0.0.1:0");  // the chosen port
  CHECK(s.code == 0);
  CHECK(contains(s.err, R"("msg":"stopped")"));
}

TEST_CASE("flags win over the environment, which wins over the config file", "[cli]") {
  TempDir dir;
  const std::string file = dir.sub("attnrec.toml");
  write_file(file, "listen = \"127.0.0.1:1\"\ndata-dir = \"" + dir.sub("from-file") + "\"\n");
  // The file alone: its data-dir is used (the listen port 1 cannot be bound
  // by a test, so the environment's port 0 takes over in every run below).
  const Served from_file = serve_once({"--config", file}, {{"ATTNREC_LISTEN", "127.0.0.1:0"}});
  INFO(from_file.err);
  CHECK(from_file.code == 0);
  CHECK(std::filesystem::exists(dir.sub("from-file") + "/store"));
  // The environment beats the file.
  const Served from_env = serve_once({"--config", file}, {{"ATTNREC_LISTEN", "127.0.0.1:0"},
                                                          {"ATTNREC_DATA_DIR", dir.sub("from-env")}});
  CHECK(from_env.code == 0);
  CHECK(std::filesystem::exists(dir.sub("from-env") + "/store"));
  // A flag beats both.
  const Served from_flag = serve_once({"--config", file, "--data-dir", dir.sub("from-flag")},
                                      {{"ATTNREC_LISTEN", "127.0.0.1:0"}, {"ATTNREC_DATA_DIR", dir.sub("from-env2")}});
  CHECK(from_flag.code == 0);
  CHECK(std::filesystem::exists(dir.sub("from-flag") + "/store"));
  CHECK_FALSE(std::filesystem::exists(dir.sub("from-env2")));

  // An unknown key in the file is an error naming it.
  write_file(file, "colour = \"blue\"\n");
  const Run bad = run({"serve", "--config", file, "--listen", "127.0.0.1:0", "--data-dir", dir.sub("x")});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "unknown key 'colour'"));
}

TEST_CASE("serve --print-config shows each effective value, where it came from, and masks keys", "[cli]") {
  TempDir dir;
  const std::string file = dir.sub("attnrec.toml");
  write_file(file, "threads = 3\nworkers = 5\nlog-format = \"text\"\n");
  const Run r = run({"serve", "--config", file, "--workers", "9", "--no-sync", "--api-key", "key-never-shown",
                     "--print-config"},
                    {{"ATTNREC_LISTEN", "0.0.0.0:9999"}, {"ATTNREC_WORKERS", "7"}});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "threads = 3  # file " + file + "\n"));
  CHECK(contains(r.out, "log-format = \"text\"  # file " + file + "\n"));
  CHECK(contains(r.out, "listen = \"0.0.0.0:9999\"  # env ATTNREC_LISTEN\n"));
  CHECK(contains(r.out, "workers = 9  # flag\n"));  // over the environment's 7 and the file's 5
  CHECK(contains(r.out, "sync = false  # flag\n"));
  CHECK(contains(r.out, "max-batch = 10000  # default\n"));
  CHECK(contains(r.out, "\n# api-key = \"****\"  # flag\n"));
  CHECK(contains(r.out, "\n# api-keys-file = \"\"  # default\n"));
  CHECK_FALSE(contains(r.out + r.err, "key-never-shown"));
  CHECK_FALSE(contains(r.out, "listening on"));  // printed, not served
  // What it prints is a config file serve reads back to the same values.
  write_file(file, r.out);
  const Run again = run({"serve", "--config", file, "--print-config"});
  INFO(again.err);
  CHECK(again.code == 0);
  CHECK(contains(again.out, "workers = 9  # file " + file + "\n"));
  CHECK(contains(again.out, "listen = \"0.0.0.0:9999\"  # file " + file + "\n"));
  // A bad value in the file names the key.
  write_file(file, "threads = 0\n");
  const Run bad = run({"serve", "--config", file, "--print-config"});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "threads"));
}

TEST_CASE("serve refuses a non-loopback address without API keys unless told", "[cli]") {
  TempDir dir;
  const Run refused = run({"serve", "--data-dir", dir.sub("s"), "--listen", "0.0.0.0:0"});
  CHECK(refused.code == 2);
  CHECK(contains(refused.err, "without API keys"));
  CHECK(contains(refused.err, "--allow-unauthenticated"));
  CHECK_FALSE(std::filesystem::exists(dir.sub("s")));  // refused before opening anything
  const Served allowed = serve_once({"--data-dir", dir.sub("s"), "--listen", "0.0.0.0:0", "--allow-unauthenticated"});
  CHECK(allowed.listening.rfind("listening on 0.0.0.0:", 0) == 0);
  CHECK(allowed.code == 0);
  const Served keyed = serve_once({"--data-dir", dir.sub("s"), "--listen", "0.0.0.0:0"},
                                  {{"ATTNREC_API_KEYS", "k1:read,k2:admin"}});
  CHECK(keyed.listening.rfind("listening on 0.0.0.0:", 0) == 0);
  CHECK_FALSE(contains(keyed.err, "k2"));  // keys are never printed
  const Run bad_keys = run({"serve", "--data-dir", dir.sub("s"), "--listen", "127.0.0.1:0"},
                           {{"ATTNREC_API_KEYS", "k1:root"}});
  CHECK(bad_keys.code == 2);
  CHECK(contains(bad_keys.err, "ATTNREC_API_KEYS entry 1"));
}

TEST_CASE("train warns when the model does not beat popularity and recommend then answers from popularity",
          "[cli][popularity]") {
  TempDir dir;
  // Sparse: one of 5 popular items, two items nobody else has, two popular
  // items again; training parts hold a popular item only as an input, so
  // the model is never taught to predict one (tests/model/trainer_test.cpp).
  std::string sparse, chain;
  for (int u = 0; u < 300; ++u) {
    const std::string user = "u" + std::to_string(u);
    for (const std::string& item : {"p" + std::to_string(u % 5), "r" + std::to_string(u) + "a",
                                   "r" + std::to_string(u) + "b", "p" + std::to_string(u * 7 % 5),
                                   "p" + std::to_string(u * 3 % 5)}) {
      sparse += user + " " + item + "\n";
    }
    // Learnable: every user walks a cycle of 20 items one step at a time.
    for (int t = 0; t < 10; ++t) chain += user + " c" + std::to_string((u + t) % 20) + "\n";
  }
  write_file(dir.sub("sparse.txt"), sparse);
  write_file(dir.sub("chain.txt"), chain);
  const std::vector<std::string> small = {"--epochs", "8", "--dim", "16", "--heads", "1", "--ffn", "32",
                                          "--maxlen", "8", "--threads", "1", "--eval-users", "0", "--quiet"};
  auto train = [&](const std::string& name) {
    std::vector<std::string> args = {"train", "--input", dir.sub(name + ".txt"), "--out", dir.sub(name + ".sasrec")};
    args.insert(args.end(), small.begin(), small.end());
    return run(args);
  };

  const Run lost = train("sparse");
  INFO(lost.err);
  REQUIRE(lost.code == 0);
  CHECK(contains(lost.err, "popularity 0."));
  CHECK(contains(lost.err, "warning: the model does not beat popularity on validation"));
  CHECK(contains(lost.out, "\"beats_popularity\":false"));
  const Run pop = run({"recommend", "--model", dir.sub("sparse.sasrec"), "--input", dir.sub("sparse.txt"), "--k", "2"});
  REQUIRE(pop.code == 0);
  CHECK(contains(pop.err, "answering from popularity"));
  // Every answer is two popular items the user has not seen: a user of
  // p0, p0 and p0 (u0) gets two of p1..p4.
  CHECK(contains(pop.out, "u0\tp"));
  CHECK_FALSE(contains(pop.out, "\tr"));
  CHECK_FALSE(contains(pop.out, " r"));
  CHECK_FALSE(contains(pop.out.substr(0, pop.out.find('\n')), "p0"));
  const Run anyway = run({"recommend", "--model", dir.sub("sparse.sasrec"), "--input", dir.sub("sparse.txt"),
                          "--k", "2", "--model-anyway"});
  REQUIRE(anyway.code == 0);
  CHECK_FALSE(contains(anyway.err, "answering from popularity"));
  CHECK(anyway.out != pop.out);

  const Run learnt = train("chain");
  INFO(learnt.err);
  REQUIRE(learnt.code == 0);
  CHECK_FALSE(contains(learnt.err, "warning"));
  CHECK(contains(learnt.out, "\"beats_popularity\":true"));
  const Run model = run({"recommend", "--model", dir.sub("chain.sasrec"), "--input", dir.sub("chain.txt"), "--k", "1"});
  REQUIRE(model.code == 0);
  CHECK_FALSE(contains(model.err, "answering from popularity"));
  CHECK(contains(model.out, "u0\tc10\n"));  // u0 walked c0..c9
}

// Child processes for tests that run a binary the way a user does: spawn
// with pipes, and `attnrec serve` on a free port, waited for until it
// prints `listening on HOST:PORT`, then killed or stopped by a signal.
// Call from the test's main thread (uses Catch2's REQUIRE).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace attnrec::testing {

// Starts `binary args...`; `env` entries are added to (or override) this
// process's environment; stdin is /dev/null. stdout goes to a pipe
// (*out_fd); stderr to a pipe (*err_fd), or appended to `err_path` when one
// is given (*err_fd = -1), for long-running children nobody reads.
inline pid_t spawn(const std::string& binary, const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env, int* out_fd, int* err_fd,
                   const std::string& err_path = {}) {
  // argv is built before fork: the child of a threaded test only execs.
  std::string bin = binary;
  std::vector<char*> argv;
  argv.push_back(bin.data());
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int out[2], err[2] = {-1, -1};
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);  // dup2 clears it on the ends the child keeps
  if (err_path.empty()) REQUIRE(pipe2(err, O_CLOEXEC) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    if (err_path.empty()) {
      dup2(err[1], STDERR_FILENO);
      close(err[0]);
    } else {
      const int log = open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(log, STDERR_FILENO);
    }
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    close(out[0]);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  *out_fd = out[0];
  if (err_path.empty()) {
    close(err[1]);
    *err_fd = err[0];
  } else {
    *err_fd = -1;
  }
  return pid;
}

// The first line `fd` delivers within `timeout`, without its newline; what
// arrived so far on end of file or timeout.
inline std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char c;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    if (read(fd, &c, 1) != 1) break;
    if (c == '\n') break;
    out.push_back(c);
  }
  return out;
}

// Reaps `pid`: its exit code, or 128 + the signal that ended it.
inline int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// `BINARY serve --listen 127.0.0.1:0 ARGS...`, stderr appended to a log
// file. The constructor returns once the server listens (port() != 0) or
// gave up (port() == 0: it exited or said nothing within the timeout).
class ServeProcess {
 public:
  ServeProcess(const std::string& binary, const std::vector<std::string>& args,
               const std::string& log_path,
               std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    std::vector<std::string> all = {"serve", "--listen", "127.0.0.1:0"};
    all.insert(all.end(), args.begin(), args.end());
    int err_fd = -1;
    pid_ = spawn(binary, all, {}, &out_fd_, &err_fd, log_path);
    line_ = read_line(out_fd_, timeout);
    const std::string prefix = "listening on 127.0.0.1:";
    if (line_.rfind(prefix, 0) == 0) port_ = static_cast<uint16_t>(std::stoi(line_.substr(prefix.size())));
  }
  ~ServeProcess() {
    if (pid_ > 0) kill_now();
    if (out_fd_ >= 0) close(out_fd_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  uint16_t port() const { return port_; }
  const std::string& first_line() const { return line_; }

  // True while the process has not exited (it is reaped if it has).
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) return true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
  }

  // kill -9 and reap: 128 + 9 unless it had exited before.
  int kill_now() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      code_ = wait_exit(pid_);
      pid_ = -1;
    }
    return code_;
  }

  // Sends SIGTERM; exit() waits for the end.
  void terminate() { send(SIGTERM); }
  void send(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }
  int exit() {
    if (pid_ > 0) {
      code_ = wait_exit(pid_);
      pid_ = -1;
    }
    return code_;
  }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  uint16_t port_ = 0;
  int code_ = -1;
  std::string line_;
};

}  // namespace attnrec::testing

#include "base/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "base/crash_point.h"
#include "base/disk_fault.h"

namespace attnrec {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBufferBytes = 1 << 20;

std::string reason(int err) { return std::error_code(err, std::system_category()).message(); }

Status io_error(const std::string& path, const std::string& what, int err) {
  return Status::io_error(path + ": " + what + ": " + reason(err));
}

std::string parent_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

Status write_all(int fd, const char* p, size_t n, const std::string& path) {
  if (const int err = disk_fault(path); err != 0 && n > 0) return io_error(path, "write failed", err);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return io_error(path, "write failed", errno);
    }
    p += w;
    n -= size_t(w);
  }
  return Status::ok();
}

Status sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(dir, "cannot open the directory to sync it", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error(dir, "fsync of the directory failed", err);
  return Status::ok();
}

}  // namespace

DurableFile::DurableFile(std::string path, int fd)
    : path_(std::move(path)), tmp_(path_ + std::string(kTempSuffix)), fd_(fd) {}

Status DurableFile::create(const std::string& path, std::unique_ptr<DurableFile>* out) {
  const std::string tmp = path + std::string(kTempSuffix);
  if (const int err = disk_fault(tmp); err != 0) return io_error(tmp, "cannot create file", err);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(tmp, "cannot create file", errno);
  out->reset(new DurableFile(path, fd));
  return Status::ok();
}

DurableFile::~DurableFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

Status DurableFile::flush_buffer() {
  const Status s = write_all(fd_, buffer_.data(), buffer_.size(), tmp_);
  buffer_.clear();
  return s;
}

Status DurableFile::append(std::string_view bytes) {
  if (fd_ < 0) return Status::io_error(tmp_ + ": append after commit");
  if (buffer_.size() + bytes.size() > kBufferBytes) {
    if (Status s = flush_buffer(); !s.is_ok()) return s;
    if (bytes.size() > kBufferBytes) return write_all(fd_, bytes.data(), bytes.size(), tmp_);
  }
  buffer_.append(bytes);
  return Status::ok();
}

Status DurableFile::commit() {
  if (fd_ < 0) return Status::io_error(tmp_ + ": committed twice");
  if (Status s = flush_buffer(); !s.is_ok()) return s;
  crash_point("durable.written", tmp_);
  if (::fsync(fd_) != 0) return io_error(tmp_, "fsync failed", errno);
  crash_point("durable.synced", tmp_);
  // close() can report a deferred write error (e.g. on NFS).
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return io_error(tmp_, "close failed", errno);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return io_error(path_, "cannot rename " + tmp_ + " into place", errno);
  }
  committed_ = true;
  crash_point("durable.renamed", path_);
  const std::string dir = parent_of(path_);
  if (Status s = sync_directory(dir); !s.is_ok()) return s;
  crash_point("durable.dir_synced", dir);
  return Status::ok();
}

Status write_file_durably(const std::string& path, std::string_view bytes) {
  std::unique_ptr<DurableFile> f;
  if (Status s = DurableFile::create(path, &f); !s.is_ok()) return s;
  if (Status s = f->append(bytes); !s.is_ok()) return s;
  return f->commit();
}

Status read_file(const std::string& path, std::string* bytes) {
  bytes->clear();
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    const int err = errno;
    if (err == ENOENT) return Status::not_found(path + ": no such file");
    return io_error(path, "cannot open", err);
  }
  std::string chunk(1 << 16, '\0');
  Status s;
  for (;;) {
    const ssize_t n = ::read(in, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) s = io_error(path, "read failed", errno);
    if (n <= 0) break;
    bytes->append(chunk.data(), size_t(n));
  }
  ::close(in);
  return s;
}

Status copy_file_durably(const std::string& from, const std::string& to) {
  std::string bytes;
  if (Status s = read_file(from, &bytes); !s.is_ok()) return s;
  return write_file_durably(to, bytes);
}

Status create_directories_durably(const std::string& dir) {
  fs::path sofar;
  for (const fs::path& part : fs::path(dir)) {
    const std::string parent = sofar.empty() ? std::string(".") : sofar.string();
    sofar /= part;
    if (part == "/" || part.empty()) continue;
    if (::mkdir(sofar.c_str(), 0755) == 0) {
      if (Status s = sync_directory(parent); !s.is_ok()) return s;
      continue;
    }
    if (errno != EEXIST) return io_error(sofar.string(), "cannot create the directory", errno);
    struct stat st {};
    if (::stat(sofar.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::io_error(sofar.string() + ": exists and is not a directory");
    }
  }
  return Status::ok();
}

}  // namespace attnrec

#include "storage/rocks/fault_fs.h"

#include <cstring>
#include <string>

#include <rocksdb/file_system.h>

#include "base/disk_fault.h"

namespace attnrec::storage {
namespace {

using rocksdb::FileOptions;
using rocksdb::FSWritableFile;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

// The error a write of `path` gets, as RocksDB's POSIX file system reports
// it (ENOSPC as NoSpace, which its error handler treats as recoverable).
IOStatus fault_status(const std::string& path) {
  const int err = disk_fault(path);
  if (err == 0) return IOStatus::OK();
  if (err == ENOSPC) return IOStatus::NoSpace("While writing " + path, std::strerror(err));
  return IOStatus::IOError("While writing " + path, std::strerror(err));
}

class FaultFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultFile(std::string path, std::unique_ptr<FSWritableFile> file)
      : FSWritableFileOwnerWrapper(std::move(file)), path_(std::move(path)) {}

  IOStatus Append(const Slice& data, const IOOptions& o, IODebugContext* dbg) override {
    if (IOStatus s = fault_status(path_); !s.ok()) return s;
    return target()->Append(data, o, dbg);
  }
  IOStatus Append(const Slice& data, const IOOptions& o, const rocksdb::DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    if (IOStatus s = fault_status(path_); !s.ok()) return s;
    return target()->Append(data, o, info, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            IODebugContext* dbg) override {
    if (IOStatus s = fault_status(path_); !s.ok()) return s;
    return target()->PositionedAppend(data, offset, o, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            const rocksdb::DataVerificationInfo& info, IODebugContext* dbg) override {
    if (IOStatus s = fault_status(path_); !s.ok()) return s;
    return target()->PositionedAppend(data, offset, o, info, dbg);
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    if (IOStatus s = fault_status(path_); !s.ok()) return s;
    return target()->Sync(o, dbg);
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    if (IOStatus s = fault_status(path_); !s.ok()) return s;
    return target()->Fsync(o, dbg);
  }

 private:
  const std::string path_;
};

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "AttnrecFaultFileSystem"; }

  IOStatus NewWritableFile(const std::string& f, const FileOptions& o, std::unique_ptr<FSWritableFile>* r,
                           IODebugContext* dbg) override {
    if (IOStatus s = fault_status(f); !s.ok()) return s;
    return wrap(f, r, target()->NewWritableFile(f, o, r, dbg));
  }
  IOStatus ReopenWritableFile(const std::string& f, const FileOptions& o,
                              std::unique_ptr<FSWritableFile>* r, IODebugContext* dbg) override {
    if (IOStatus s = fault_status(f); !s.ok()) return s;
    return wrap(f, r, target()->ReopenWritableFile(f, o, r, dbg));
  }
  IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const FileOptions& o,
                             std::unique_ptr<FSWritableFile>* r, IODebugContext* dbg) override {
    if (IOStatus s = fault_status(f); !s.ok()) return s;
    return wrap(f, r, target()->ReuseWritableFile(f, old, o, r, dbg));
  }

 private:
  // A file created before a fault was set fails its later writes.
  static IOStatus wrap(const std::string& f, std::unique_ptr<FSWritableFile>* r, IOStatus opened) {
    if (opened.ok()) *r = std::make_unique<FaultFile>(f, std::move(*r));
    return opened;
  }
};

}  // namespace

std::unique_ptr<rocksdb::Env> make_fault_env() {
  return rocksdb::NewCompositeEnv(std::make_shared<FaultFileSystem>());
}

}  // namespace attnrec::storage

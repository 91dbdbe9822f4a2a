// Background retrain jobs: a FIFO queue worked by one thread, so at most one
// job trains at a time. Each job has a state (queued, running, succeeded,
// failed, cancelled), live progress, per-epoch losses and metrics, and the
// model version it produced.
//
// The training thread runs at a lower CPU priority (nice +10) than the
// request threads, so serving keeps its latency while a job runs.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/object.hpp>

#include "service/status.h"

namespace attnrec::service {

struct TrainJob {
  std::string id;
  std::string state = "queued";  // queued | running | succeeded | failed | cancelled
  std::string trigger;           // "api", "schedule"
  boost::json::object options;   // the overrides it was started with
  int64_t created_ms = 0, started_ms = 0, finished_ms = 0;
  // Progress of the running epoch.
  int epoch = 0, epochs = 0, batch = 0, batches = 0;
  double loss = 0, eta_seconds = 0;
  boost::json::array history;    // per epoch: {"epoch","loss","valid_ndcg@10",...}
  boost::json::object metrics;   // valid / test metrics when done
  std::string version;           // the model version it wrote
  bool activated = false;
  std::string decision;          // why it was or was not activated
  std::string error;
};

// What a job's run function may do while it works.
class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual bool cancelled() const = 0;
  // Edits the job's public record under the manager's lock.
  virtual void update(const std::function<void(TrainJob&)>& edit) = 0;
};

class TrainJobs {
 public:
  // Runs one job; its Status decides failed vs succeeded (cancelled when the
  // context was cancelled). Must not throw.
  using RunFn = std::function<Status(const boost::json::object& options, JobContext& ctx)>;

  explicit TrainJobs(RunFn run, size_t keep_finished = 100);
  ~TrainJobs();  // cancels the running job and waits for it

  std::string submit(boost::json::object options, std::string trigger);
  Status get(const std::string& id, TrainJob* job) const;
  std::vector<TrainJob> list() const;
  // A queued job is cancelled at once; a running one at its next batch.
  // kConflict when the job has already finished.
  Status cancel(const std::string& id);
  bool busy() const;

 private:
  class Context;
  void work();

  RunFn run_;
  const size_t keep_finished_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<TrainJob>> jobs_;  // guarded by mu_
  std::deque<std::string> queue_;                          // guarded by mu_
  std::deque<std::string> finished_;                       // guarded by mu_, oldest first
  std::string running_;                                    // guarded by mu_
  std::atomic<bool> cancel_running_{false};
  uint64_t next_id_ = 1;                                   // guarded by mu_
  bool stopping_ = false;                                  // guarded by mu_
  std::thread worker_;
};

}  // namespace attnrec::service

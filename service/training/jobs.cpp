#include "service/training/jobs.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "service/clock.h"
#include "service/validate.h"

namespace attnrec::service {

std::string_view job_state_name(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kFailed: return "failed";
    case JobState::kCancelled: return "cancelled";
  }
  return "unknown";
}

class TrainJobs::Context : public JobContext {
 public:
  Context(TrainJobs& jobs, std::shared_ptr<TrainJob> job) : jobs_(jobs), job_(std::move(job)) {}
  bool cancelled() const override { return jobs_.cancel_running_; }
  void update(const std::function<void(TrainJob&)>& edit) override {
    std::lock_guard lock(jobs_.mu_);
    edit(*job_);
  }

 private:
  TrainJobs& jobs_;
  std::shared_ptr<TrainJob> job_;
};

TrainJobs::TrainJobs(RunFn run, size_t keep_finished)
    : run_(std::move(run)), keep_finished_(keep_finished), worker_([this] { work(); }) {}

TrainJobs::~TrainJobs() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cancel_running_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

std::string TrainJobs::submit(TrainOptions options, std::string trigger) {
  std::lock_guard lock(mu_);
  auto job = std::make_shared<TrainJob>();
  job->id = "job-" + std::to_string(next_id_++);
  job->options = std::move(options);
  job->trigger = std::move(trigger);
  job->created_ms = now_ms();
  jobs_[job->id] = job;
  queue_.push_back(job->id);
  cv_.notify_all();
  return job->id;
}

Status TrainJobs::get(std::string_view id, TrainJob* job) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::not_found("no training job " + quoted(id));
  *job = *it->second;
  return Status::ok();
}

bool TrainJobs::busy() const {
  std::lock_guard lock(mu_);
  return !running_.empty() || !queue_.empty();
}

Status TrainJobs::cancel(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::not_found("no training job " + quoted(id));
  TrainJob& job = *it->second;
  if (job.state == JobState::kQueued) {
    std::erase(queue_, job.id);
    job.state = JobState::kCancelled;
    job.finished_ms = now_ms();
    finished_.push_back(job.id);
    return Status::ok();
  }
  if (job.state == JobState::kRunning) {
    cancel_running_ = true;
    return Status::ok();
  }
  return Status::conflict("training job " + quoted(id) + " has already " +
                          (job.state == JobState::kCancelled
                               ? std::string("been cancelled")
                               : "finished (" + std::string(job_state_name(job.state)) + ")"));
}

void TrainJobs::work() {
  // Training yields the CPU to request threads (Linux: nice is per thread and
  // inherited by the threads the trainer starts).
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      for (const auto& id : queue_) {
        jobs_[id]->state = JobState::kCancelled;
        jobs_[id]->finished_ms = now_ms();
      }
      queue_.clear();
      return;
    }
    const std::string id = queue_.front();
    queue_.pop_front();
    auto job = jobs_[id];
    running_ = id;
    cancel_running_ = false;
    job->state = JobState::kRunning;
    job->started_ms = now_ms();
    const TrainOptions options = job->options;
    const std::string trigger = job->trigger;
    lock.unlock();

    Context ctx(*this, job);
    Status s;
    try {
      s = run_(options, trigger, ctx);
    } catch (const std::exception& e) {
      s = Status::internal(std::string("training failed: ") + e.what());
    } catch (...) {
      s = Status::internal("training failed");
    }

    lock.lock();
    running_.clear();
    job->finished_ms = now_ms();
    if (cancel_running_ || s.is_cancelled()) {
      job->state = JobState::kCancelled;
    } else if (s.is_ok()) {
      job->state = JobState::kSucceeded;
    } else {
      job->state = JobState::kFailed;
      job->error = s.message();
    }
    finished_.push_back(id);
    while (finished_.size() > keep_finished_) {
      jobs_.erase(finished_.front());
      finished_.pop_front();
    }
  }
}

}  // namespace attnrec::service

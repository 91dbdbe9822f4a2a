#include "service/training/jobs.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "base/log.h"
#include "service/clock.h"
#include "service/training/job_journal.h"
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

TrainJobs::TrainJobs(RunFn run, JobJournal* journal, size_t keep_finished)
    : run_(std::move(run)), journal_(journal), keep_finished_(keep_finished) {
  restore();
  worker_ = std::thread([this] { work(); });
}

void TrainJobs::restore() {
  if (!journal_) return;
  std::vector<TrainJob> saved;
  if (Status s = journal_->load(&saved); !s.is_ok()) {
    log::warn("earlier training jobs are not listed", {{"error", s.message()}});
    return;
  }
  std::lock_guard lock(mu_);
  for (TrainJob& job : saved) {
    // "job-N": new ids continue after the largest saved N.
    uint64_t n = 0;
    if (job.id.starts_with("job-")) {
      std::from_chars(job.id.data() + 4, job.id.data() + job.id.size(), n);
    }
    next_id_ = std::max(next_id_, n + 1);
    if (jobs_.count(job.id)) continue;
    const std::string id = job.id;  // not job.id below: the right side moves it first
    finished_.push_back(id);
    jobs_[id] = std::make_shared<TrainJob>(std::move(job));
  }
}

void TrainJobs::persist() {
  if (!journal_) return;
  std::lock_guard order(persist_mu_);
  std::vector<TrainJob> all;
  {
    std::lock_guard lock(mu_);
    // Oldest first: finished, the running one, then the queue.
    for (const auto& id : finished_) all.push_back(*jobs_[id]);
    if (!running_.empty()) all.push_back(*jobs_[running_]);
    for (const auto& id : queue_) all.push_back(*jobs_[id]);
  }
  if (Status s = journal_->save(all); !s.is_ok()) {
    log::warn("cannot save the training jobs' records", {{"error", s.message()}});
  }
}

TrainJobs::~TrainJobs() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cancel_running_ = true;
  }
  cv_.notify_all();
  worker_.join();
  persist();  // the cancelled jobs, so a restart does not call them interrupted
}

std::string TrainJobs::submit(TrainOptions options, std::string trigger) {
  std::string id;
  {
    std::lock_guard lock(mu_);
    auto job = std::make_shared<TrainJob>();
    job->id = id = "job-" + std::to_string(next_id_++);
    job->options = std::move(options);
    job->trigger = std::move(trigger);
    job->created_ms = now_ms();
    jobs_[job->id] = job;
    queue_.push_back(job->id);
  }
  // Saved before the caller hears of the id, so a restart still knows it.
  persist();
  cv_.notify_all();
  return id;
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

std::array<uint64_t, 5> TrainJobs::count_by_state() const {
  std::array<uint64_t, 5> counts{};
  std::lock_guard lock(mu_);
  for (const auto& [id, job] : jobs_) ++counts[size_t(job->state)];
  return counts;
}

Status TrainJobs::cancel(std::string_view id) {
  std::unique_lock lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::not_found("no training job " + quoted(id));
  TrainJob& job = *it->second;
  if (job.state == JobState::kQueued) {
    std::erase(queue_, job.id);
    job.state = JobState::kCancelled;
    job.finished_ms = now_ms();
    finished_.push_back(job.id);
    lock.unlock();
    persist();
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
      // Moved to finished_ so that the destructor's save keeps them.
      finished_.insert(finished_.end(), queue_.begin(), queue_.end());
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
    persist();

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
    lock.unlock();
    persist();
    lock.lock();
  }
}

}  // namespace attnrec::service

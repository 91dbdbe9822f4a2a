// The retrain jobs' records across restarts: one store meta value
// ("train_jobs", JSON, a private format of this file) rewritten when a job
// changes state (queued, running, finished), not at every batch. So after a
// crash, a kill or a power loss, GET /v1/admin/train/{job} still answers:
// a job the dead process had queued or was running comes back failed, with
// an error that says so, and job ids are never reused.
//
// What is kept of a job: its id, state, trigger, options (as JSON), times,
// the progress at its last save, version, activation, decision and error.
// Epoch curves and metrics are not (they are in the model's registry
// record, GET /v1/models).
//
// Thread safety: save() and load() may be called concurrently (the store
// serialises them); callers order their saves (service/training/jobs.cpp).
#pragma once

#include <vector>

#include "base/status.h"
#include "service/training/jobs.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

class JobJournal {
 public:
  // `store` must outlive the journal.
  explicit JobJournal(storage::Store& store) : store_(store) {}

  // The saved jobs, oldest first. Jobs saved as queued or running were cut
  // short by the end of the process that ran them: they come back failed.
  // Nothing saved: ok and empty. kCorruption for an unreadable value.
  Status load(std::vector<TrainJob>* jobs) const;
  // Replaces the saved jobs with `jobs`.
  Status save(const std::vector<TrainJob>& jobs);

 private:
  storage::Store& store_;
};

}  // namespace attnrec::service

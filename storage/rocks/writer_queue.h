// Group commit, after LevelDB's DBImpl::Write: writers enqueue; the writer at
// the head of the queue becomes the leader, takes the writers behind it (up
// to a bound) and commits them together with one call, then wakes each
// follower with the status the commit gave it.
//
// Thread-safe. A Writer is owned by its caller, lives on its stack for the
// duration of write(), and is touched by the leader only inside commit.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <span>

#include "base/status.h"

namespace attnrec::storage {

class WriterQueue {
 public:
  // Callers derive their request type from Writer.
  struct Writer {
    size_t weight = 1;       // counts toward the group bound (e.g. events)
    bool exclusive = false;  // committed in a group of its own
    Status status;           // set by commit for every writer of its group

   private:
    friend class WriterQueue;
    bool done_ = false;
    std::condition_variable cv_;
  };

  // Commits a group (oldest first) and sets every writer's status. Called by
  // one leader at a time, without the queue's lock held.
  using CommitFn = std::function<void(std::span<Writer* const> group)>;

  // A group holds writers until their total weight reaches max_group_weight
  // (the first writer is always taken, whatever its weight).
  explicit WriterQueue(size_t max_group_weight) : max_group_weight_(max_group_weight) {}
  WriterQueue(const WriterQueue&) = delete;
  WriterQueue& operator=(const WriterQueue&) = delete;

  // Blocks until `w` is committed (by this thread or another leader) and
  // returns w->status.
  Status write(Writer* w, const CommitFn& commit);

 private:
  const size_t max_group_weight_;
  std::mutex mu_;
  std::deque<Writer*> queue_;  // guarded by mu_; front = current leader
};

}  // namespace attnrec::storage

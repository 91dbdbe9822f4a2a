// Group commit, after LevelDB's DBImpl::Write: writers enqueue; the writer at
// the head of the queue becomes the leader, takes the writers behind it (up
// to a bound) and commits them together with one call, then wakes each
// follower with the status the commit gave it. Asynchronous writers wait in
// no thread: the leader calls their completion and goes on leading.
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
    // Set for an asynchronous writer (submit): called once its group is
    // committed, by the leader's thread, after which the queue never touches
    // the writer again (the callback may free it).
    std::function<void()> on_done;

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
  // returns w->status. Precondition: !w->on_done.
  Status write(Writer* w, const CommitFn& commit);
  // Queues `w` (precondition: w->on_done set) and returns; when the queue
  // was empty this thread leads first, committing groups until a waiting
  // writer is at the head or the queue is empty.
  void submit(Writer* w, const CommitFn& commit);

 private:
  // Commits the head's group and the groups after it while their heads are
  // asynchronous. Called with the lock held and a writer at the front.
  void lead(std::unique_lock<std::mutex>& lock, const CommitFn& commit);

  const size_t max_group_weight_;
  std::mutex mu_;
  std::deque<Writer*> queue_;  // guarded by mu_; front = current leader
  bool leading_ = false;       // guarded by mu_: a thread is inside lead()
};

}  // namespace attnrec::storage

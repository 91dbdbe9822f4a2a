// Group commit, after LevelDB's DBImpl::Write: writers enqueue; the writer at
// the head of the queue becomes the leader, takes the writers behind it (up
// to a bound) and commits them together with one call, then wakes each
// follower with the status the commit gave it.
//
// Asynchronous writers (submit) wait in no thread and lead in none: a
// committer thread of the queue's own leads every group an asynchronous
// writer heads, and calls their completions. So submit never blocks on a
// commit (an HTTP I/O thread may call it), and while commits keep coming the
// committer is awake and a submit costs a lock and a push, no wake-up.
//
// Thread-safe. A Writer is owned by its caller: a waiting one lives on its
// stack for the duration of write(); an asynchronous one until its on_done.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <thread>

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
    // committed, by the committing thread, after which the queue never
    // touches the writer again (the callback may free it).
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
  WriterQueue(size_t max_group_weight, CommitFn commit)
      : max_group_weight_(max_group_weight), commit_(std::move(commit)) {}
  ~WriterQueue() { stop(); }
  WriterQueue(const WriterQueue&) = delete;
  WriterQueue& operator=(const WriterQueue&) = delete;

  // Blocks until `w` is committed (by this thread or another leader) and
  // returns w->status. Precondition: !w->on_done.
  Status write(Writer* w);
  // Queues `w` (precondition: w->on_done set) and returns at once; the
  // committer thread (started by the first submit) commits it.
  void submit(Writer* w);
  // Waits for the queued asynchronous writers to complete and joins the
  // committer. The owner calls it before anything commit uses goes; no
  // submit may follow.
  void stop();

 private:
  // Commits the head's group; the committer goes on with the groups after
  // it while asynchronous writers head them, a waiting writer stops after
  // its own. Then the next head is woken (a waiting one, or the committer).
  // Called with the lock held and a writer at the front.
  void lead(std::unique_lock<std::mutex>& lock, bool committer);
  void run_committer();

  const size_t max_group_weight_;
  const CommitFn commit_;
  std::mutex mu_;
  std::deque<Writer*> queue_;  // guarded by mu_; front = current leader
  bool leading_ = false;       // guarded by mu_: a thread is inside lead()
  bool stopping_ = false;      // guarded by mu_
  std::condition_variable committer_cv_;
  std::thread committer_;      // started under mu_ by the first submit
};

}  // namespace attnrec::storage

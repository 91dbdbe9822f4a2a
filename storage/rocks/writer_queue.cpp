#include "storage/rocks/writer_queue.h"

#include <exception>
#include <utility>
#include <vector>

#include "base/log.h"

namespace attnrec::storage {

Status WriterQueue::write(Writer* w) {
  std::unique_lock lock(mu_);
  queue_.push_back(w);
  w->cv_.wait(lock, [&] { return w->done_ || (!leading_ && queue_.front() == w); });
  if (!w->done_) lead(lock, /*committer=*/false);
  return w->status;
}

void WriterQueue::submit(Writer* w) {
  std::unique_lock lock(mu_);
  if (!committer_.joinable()) committer_ = std::thread([this] { run_committer(); });
  queue_.push_back(w);
  // Otherwise a leader is at work or a woken waiting writer is about to be,
  // and whoever leads last hands the head on.
  if (!leading_ && queue_.front() == w) committer_cv_.notify_one();
}

void WriterQueue::stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  committer_cv_.notify_one();
  lock.unlock();
  if (committer_.joinable()) committer_.join();
}

void WriterQueue::run_committer() {
  std::unique_lock lock(mu_);
  for (;;) {
    committer_cv_.wait(lock, [&] {
      return (!leading_ && !queue_.empty() && queue_.front()->on_done) || (stopping_ && queue_.empty());
    });
    if (queue_.empty()) return;  // stopping, everything completed
    lead(lock, /*committer=*/true);
  }
}

void WriterQueue::lead(std::unique_lock<std::mutex>& lock, bool committer) {
  // leading_ stays set while the lock is let go (commit, completions), so
  // that no writer arriving meanwhile starts leading too.
  leading_ = true;
  bool first = true;
  while (!queue_.empty()) {
    Writer* head = queue_.front();
    // A waiting writer leads its own group (and only it: it returns to its
    // caller); the committer leads the asynchronous ones.
    if (!first && (!committer || !head->on_done)) {
      leading_ = false;
      if (head->on_done) {
        committer_cv_.notify_one();
      } else {
        head->cv_.notify_one();
      }
      return;
    }
    first = false;
    std::vector<Writer*> group{head};
    size_t weight = head->weight;
    if (!head->exclusive) {
      for (size_t i = 1; i < queue_.size(); ++i) {
        Writer* next = queue_[i];
        if (next->exclusive || weight + next->weight > max_group_weight_) break;
        group.push_back(next);
        weight += next->weight;
      }
    }

    // New writers may enqueue meanwhile; they wait behind the group.
    lock.unlock();
    commit_(group);
    lock.lock();

    std::vector<std::function<void()>> finished;
    for (Writer* member : group) {
      queue_.pop_front();
      if (member->on_done) {
        finished.push_back(std::move(member->on_done));  // the callback may free the writer
      } else if (member != head) {
        member->done_ = true;
        member->cv_.notify_one();
      } else {
        member->done_ = true;  // this thread: write() returns once the queue is handed on
      }
    }
    if (finished.empty()) continue;
    lock.unlock();
    for (auto& fn : finished) {
      try {
        fn();
      } catch (const std::exception& e) {
        log::error("a write's completion failed", {{"error", e.what()}});
      } catch (...) {
        log::error("a write's completion failed");
      }
    }
    lock.lock();
  }
  leading_ = false;
  // Emptied: a stopping committer may go.
  if (stopping_) committer_cv_.notify_one();
}

}  // namespace attnrec::storage

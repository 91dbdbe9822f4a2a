#include "storage/rocks/writer_queue.h"

#include <exception>
#include <utility>
#include <vector>

#include "base/log.h"

namespace attnrec::storage {

Status WriterQueue::write(Writer* w, const CommitFn& commit) {
  std::unique_lock lock(mu_);
  queue_.push_back(w);
  w->cv_.wait(lock, [&] { return w->done_ || (!leading_ && queue_.front() == w); });
  if (!w->done_) lead(lock, commit);
  return w->status;
}

void WriterQueue::submit(Writer* w, const CommitFn& commit) {
  std::unique_lock lock(mu_);
  queue_.push_back(w);
  if (!leading_ && queue_.front() == w) lead(lock, commit);  // else the current leader takes it
}

void WriterQueue::lead(std::unique_lock<std::mutex>& lock, const CommitFn& commit) {
  // Group after group while asynchronous writers are at the head (nobody
  // waits for them); a waiting writer at the head leads its own.
  // leading_ stays set while the lock is let go (commit, completions), so
  // that no writer arriving meanwhile starts leading too.
  leading_ = true;
  bool first = true;
  while (!queue_.empty()) {
    Writer* head = queue_.front();
    if (!first && !head->on_done) {
      leading_ = false;
      head->cv_.notify_one();
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
    commit(group);
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
}

}  // namespace attnrec::storage

#include "storage/rocks/writer_queue.h"

#include <vector>

namespace attnrec::storage {

Status WriterQueue::write(Writer* w, const CommitFn& commit) {
  std::unique_lock lock(mu_);
  queue_.push_back(w);
  w->cv_.wait(lock, [&] { return w->done_ || queue_.front() == w; });
  if (w->done_) return w->status;

  // Leader: take w and the non-exclusive writers queued behind it.
  std::vector<Writer*> group{w};
  size_t weight = w->weight;
  if (!w->exclusive) {
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

  for (Writer* member : group) {
    queue_.pop_front();
    if (member != w) {
      member->done_ = true;
      member->cv_.notify_one();
    }
  }
  if (!queue_.empty()) queue_.front()->cv_.notify_one();
  return w->status;
}

}  // namespace attnrec::storage

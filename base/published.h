// Published<T>: an immutable value that one writer replaces now and then and
// many threads read on every request, without a lock on the read path.
//
// Each reading thread keeps its own copy of the shared_ptr and the
// generation it was published under; a read compares one atomic generation
// and takes the mutex only when a new value was published since that
// thread's last read (RCU-like: readers that loaded the old value finish
// with it). Generations come from one process-wide counter, so a Published
// destroyed and another built at the same address never match a stale copy.
// (Not std::atomic<std::shared_ptr>: libstdc++ 12's lock bit is invisible to
// ThreadSanitizer.)
//
// Cost of the cache: a thread keeps the last value it read alive until its
// next read of any Published<T> of the same T (at most one per thread and T).
// Thread safety: load() and store() from any threads at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace attnrec {

namespace published_detail {
inline std::atomic<uint64_t> next_generation{1};
}

template <class T>
class Published {
 public:
  Published() = default;
  explicit Published(std::shared_ptr<const T> value) { store(std::move(value)); }
  Published(const Published&) = delete;
  Published& operator=(const Published&) = delete;

  std::shared_ptr<const T> load() const {
    thread_local Cached cached;
    const uint64_t g = generation_.load(std::memory_order_acquire);
    if (cached.generation != g) {
      std::lock_guard lock(mu_);
      cached.value = value_;
      cached.generation = generation_.load(std::memory_order_relaxed);
    }
    return cached.value;
  }

  void store(std::shared_ptr<const T> value) {
    {
      std::lock_guard lock(mu_);
      value_.swap(value);
      generation_.store(published_detail::next_generation.fetch_add(1), std::memory_order_release);
    }
    // The old value is released here, outside the lock (its destructor may
    // be long: a model, an index).
  }

 private:
  struct Cached {
    uint64_t generation = 0;
    std::shared_ptr<const T> value;
  };
  mutable std::mutex mu_;
  std::shared_ptr<const T> value_;   // guarded by mu_
  std::atomic<uint64_t> generation_{0};  // 0: nothing published yet
};

}  // namespace attnrec

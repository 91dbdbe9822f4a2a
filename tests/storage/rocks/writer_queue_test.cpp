#include "storage/rocks/writer_queue.h"

#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using attnrec::Status;
using namespace attnrec::storage;

TEST_CASE("writer queue commits every writer exactly once, in groups", "[storage][queue][concurrency]") {
  WriterQueue queue(/*max_group_weight=*/8);
  std::atomic<int> committed{0};
  std::atomic<int> groups{0};
  std::atomic<int> in_commit{0};
  std::atomic<bool> overlap{false};
  std::atomic<bool> exclusive_shared{false};
  std::atomic<bool> overweight{false};

  auto commit = [&](std::span<WriterQueue::Writer* const> group) {
    if (in_commit.fetch_add(1) != 0) overlap = true;
    size_t weight = 0;
    for (auto* w : group) {
      weight += w->weight;
      if (w->exclusive && group.size() > 1) exclusive_shared = true;
      w->status = Status::ok();
    }
    if (group.size() > 1 && weight > 8) overweight = true;
    committed += static_cast<int>(group.size());
    ++groups;
    std::this_thread::yield();
    in_commit.fetch_sub(1);
  };

  constexpr int kThreads = 6;
  constexpr int kPerThread = 300;
  std::vector<std::thread> threads;
  std::atomic<int> acknowledged{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriterQueue::Writer w;
        w.weight = 1 + (i % 3);
        w.exclusive = (t == 0 && i % 50 == 0);
        if (queue.write(&w, commit).is_ok()) ++acknowledged;
      }
    });
  }
  for (auto& th : threads) th.join();

  CHECK(acknowledged == kThreads * kPerThread);
  CHECK(committed == kThreads * kPerThread);
  CHECK_FALSE(overlap);           // one leader at a time
  CHECK_FALSE(exclusive_shared);  // exclusive writers commit alone
  CHECK_FALSE(overweight);
  CHECK(groups <= committed);
}

TEST_CASE("a failed commit fails every writer of its group", "[storage][queue]") {
  WriterQueue queue(100);
  WriterQueue::Writer w;
  Status s = queue.write(&w, [](std::span<WriterQueue::Writer* const> group) {
    for (auto* m : group) m->status = Status::io_error("disk full");
  });
  CHECK(s.code() == Status::Code::kIOError);
  CHECK(s.message() == "disk full");
}

#include "storage/rocks/writer_queue.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using attnrec::Status;
using namespace attnrec::storage;

TEST_CASE("writer queue commits every writer exactly once, in groups", "[storage][queue][concurrency]") {
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
  WriterQueue queue(/*max_group_weight=*/8, commit);

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
        if (queue.write(&w).is_ok()) ++acknowledged;
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
  WriterQueue queue(100, [](std::span<WriterQueue::Writer* const> group) {
    for (auto* m : group) m->status = Status::io_error("disk full");
  });
  WriterQueue::Writer w;
  Status s = queue.write(&w);
  CHECK(s.code() == Status::Code::kIOError);
  CHECK(s.message() == "disk full");
}

TEST_CASE("asynchronous writers: one leader at a time, each completed once", "[storage][queue][concurrency]") {
  std::atomic<int> in_commit{0};
  std::atomic<bool> overlap{false};
  std::atomic<int> commits{0};
  std::atomic<int> completions{0};
  std::atomic<int> twice{0};
  auto commit = [&](std::span<WriterQueue::Writer* const> group) {
    if (in_commit.fetch_add(1) != 0) overlap = true;
    for (auto* w : group) w->status = Status::ok();
    commits += static_cast<int>(group.size());
    in_commit.fetch_sub(1);
  };
  WriterQueue queue(/*max_group_weight=*/4, commit);
  struct Async : WriterQueue::Writer {
    std::atomic<int> done{0};
  };
  constexpr int kThreads = 6;
  constexpr int kWrites = 2000;
  std::vector<std::unique_ptr<Async>> writers;
  for (int i = 0; i < kThreads * kWrites; ++i) writers.push_back(std::make_unique<Async>());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        if (i % 5 == 0) {  // some waiting writers among them
          WriterQueue::Writer w;
          if (!queue.write(&w).is_ok()) ++twice;
          continue;
        }
        Async* a = writers[static_cast<size_t>(t * kWrites + i)].get();
        a->on_done = [&, a] {
          if (a->done.fetch_add(1) != 0) ++twice;
          ++completions;
        };
        queue.submit(a);
      }
    });
  }
  for (auto& th : threads) th.join();
  queue.stop();  // the last completions may still be running
  CHECK_FALSE(overlap);
  CHECK(twice == 0);
  CHECK(completions == kThreads * kWrites * 4 / 5);
  CHECK(commits == kThreads * kWrites);
}

TEST_CASE("submit never commits on the caller's thread and stop completes what is queued", "[storage][queue][concurrency]") {
  // An HTTP I/O thread submits: a commit (an fsync) must never run on it.
  std::atomic<int> async_on_caller{0};
  std::atomic<int> committed{0};
  std::thread::id caller = std::this_thread::get_id();
  WriterQueue queue(/*max_group_weight=*/16, [&](std::span<WriterQueue::Writer* const> group) {
    for (auto* w : group) {
      if (w->on_done && std::this_thread::get_id() == caller) ++async_on_caller;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // a slow disk: writers pile up
    for (auto* w : group) w->status = Status::ok();
    committed += static_cast<int>(group.size());
  });
  constexpr int kWrites = 500;
  std::vector<std::unique_ptr<WriterQueue::Writer>> writers;
  std::atomic<int> completions{0};
  for (int i = 0; i < kWrites; ++i) {
    writers.push_back(std::make_unique<WriterQueue::Writer>());
    writers.back()->on_done = [&] { ++completions; };
    queue.submit(writers.back().get());
  }
  // A waiting writer among the queued ones commits on its own thread.
  WriterQueue::Writer w;
  CHECK(queue.write(&w).is_ok());
  queue.stop();
  CHECK(async_on_caller == 0);
  CHECK(completions == kWrites);
  CHECK(committed == kWrites + 1);
}

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "store_fixture.h"

using attnrec::Status;
using namespace attnrec::storage;
using namespace attnrec::storage::testing;

TEST_CASE("concurrent writers are each acknowledged once with correct counts", "[storage][store][concurrency]") {
  TempDir dir;
  const Options o = options_for(dir.sub("db"), /*history_cap=*/16);
  auto store = open_store(o);

  constexpr int kWriters = 6;
  constexpr int kRequests = 150;
  std::atomic<size_t> written{0};
  std::atomic<size_t> duplicates{0};
  std::atomic<size_t> failures{0};
  std::atomic<bool> stop{false};
  std::atomic<size_t> read_errors{0};
  std::atomic<size_t> erase_errors{0};

  // Catch2 assertions are not thread-safe: threads count, the main thread checks.
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        // On odd i, writers 2k and 2k+1 send the same key: it races between
        // two threads, and exactly one of them may store it.
        const int owner = (i % 2 == 0) ? t : (t & ~1);
        std::vector<Event> events{ev(numbered("user", i % 20), numbered("item", i % 37), i,
                                     "key-" + std::to_string(owner) + "-" + std::to_string(i))};
        WriteResult r;
        if (!store->write_events(events, &r).is_ok()) ++failures;
        written += r.written;
        duplicates += r.duplicates;
      }
    });
  }
  // Readers on the hot paths while ids are being created.
  std::thread reader([&] {
    std::vector<HistoryEntry> h;
    while (!stop) {
      for (int u = 0; u < 20; ++u) {
        const uint32_t id = store->find_user(numbered("user", u));
        if (id != 0 && (store->user_name(id) != numbered("user", u) || !store->history(id, 8, &h).is_ok())) {
          ++read_errors;
        }
      }
      (void)store->stats();
    }
  });
  // An eraser of a user nobody else writes, interleaved with the writers.
  std::thread eraser([&] {
    for (int i = 0; i < 20; ++i) {
      std::vector<Event> events{ev("temp", "item0", i, "temp-key")};
      WriteResult r;
      if (!store->write_events(events, &r).is_ok() || r.written != 1) ++erase_errors;
      if (!store->erase_user("temp", nullptr).is_ok()) ++erase_errors;
    }
  });
  for (auto& th : threads) th.join();
  eraser.join();
  stop = true;
  reader.join();

  const size_t total = kWriters * kRequests;
  const size_t unique_keys = kWriters * (kRequests / 2) + (kWriters / 2) * (kRequests / 2);
  CHECK(failures == 0);
  CHECK(read_errors == 0);
  CHECK(erase_errors == 0);
  CHECK(written + duplicates == total);
  CHECK(written == unique_keys);
  CHECK(store->stats().events == written);
  CHECK(store->stats().users == 20 + 20);  // 20 named users + 20 incarnations of "temp"
  CHECK(store->find_user("temp") == 0);

  size_t in_log = 0;
  REQUIRE(store->scan_events([&](uint32_t, uint32_t, int64_t, float) { ++in_log; }).is_ok());
  CHECK(in_log == written);

  store.reset();
  auto reopened = open_store(o);
  CHECK(reopened->stats().events == written);
  for (int u = 0; u < 20; ++u) CHECK(reopened->find_user(numbered("user", u)) != 0);
}

TEST_CASE("a snapshot stays consistent while ingest goes on", "[storage][store][snapshot][concurrency]") {
  TempDir dir;
  Options o = options_for(dir.sub("db"));
  o.sync = SyncPolicy::kNoSync;
  auto store = open_store(o);
  std::vector<Event> first;
  for (int i = 0; i < 200; ++i) first.push_back(ev(numbered("u", i % 10), numbered("i", i), i));
  write(*store, first);

  std::atomic<bool> stop{false};
  std::atomic<size_t> write_errors{0};
  std::thread writer([&] {
    for (int n = 0; !stop; ++n) {
      std::vector<Event> events{ev(numbered("u", n % 12), numbered("x", n), 1000 + n)};
      WriteResult r;
      if (!store->write_events(events, &r).is_ok()) ++write_errors;
    }
  });
  for (int round = 0; round < 5; ++round) {
    auto snap = store->snapshot();
    uint32_t user = 0;
    std::vector<uint32_t> items;
    std::vector<int64_t> ts;
    size_t events = 0;
    std::set<uint32_t> users;
    while (snap->next(&user, &items, &ts)) {
      CHECK(users.insert(user).second);  // each user once
      CHECK(std::is_sorted(ts.begin(), ts.end()));
      events += items.size();
    }
    CHECK(snap->status().is_ok());
    CHECK(events >= 200);
  }
  stop = true;
  writer.join();
  CHECK(write_errors == 0);
}

TEST_CASE("asynchronous and waiting writers share the queue, each completing once", "[storage][store][concurrency]") {
  TempDir dir;
  auto store = open_store(options_for(dir.sub("db")));
  constexpr int kThreads = 4;
  constexpr int kRequests = 200;
  std::atomic<size_t> completions{0};
  std::atomic<size_t> written{0};
  std::atomic<size_t> duplicates{0};
  std::atomic<size_t> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        // Every key is sent twice, by an async and a waiting writer of two threads.
        const std::string key = "k-" + std::to_string(t / 2) + "-" + std::to_string(i);
        std::vector<Event> events{ev(numbered("u", i % 13), numbered("i", i % 29), i, key)};
        if (t % 2 == 0) {
          Status s = store->write_events_async(std::move(events), [&](Status st, WriteResult r) {
            if (!st.is_ok()) ++failures;
            written += r.written;
            duplicates += r.duplicates;
            ++completions;
          });
          if (!s.is_ok()) ++failures;
        } else {
          WriteResult r;
          if (!store->write_events(events, &r).is_ok()) ++failures;
          written += r.written;
          duplicates += r.duplicates;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  // The last async writes may still be completing on another thread's leader
  // turn only while that thread runs; all threads have returned, so none is.
  CHECK(completions == size_t{kThreads / 2 * kRequests});
  CHECK(failures == 0);
  CHECK(written == size_t{kThreads / 2 * kRequests});
  CHECK(duplicates == size_t{kThreads / 2 * kRequests});
  CHECK(store->stats().events == written.load());

  // A refused request is answered at once and never completes.
  bool called = false;
  std::vector<Event> bad{ev("u", "", 1)};
  CHECK(store->write_events_async(std::move(bad), [&](Status, WriteResult) { called = true; }).code() ==
        Status::Code::kInvalidArgument);
  CHECK_FALSE(called);
}

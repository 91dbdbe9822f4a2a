// Tests of base/published.h: lock-free reads of a value replaced now and then.
#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "base/published.h"

using attnrec::Published;

TEST_CASE("a published value is seen by the next load, in every thread", "[published]") {
  Published<int> p;
  CHECK(p.load() == nullptr);
  p.store(std::make_shared<const int>(1));
  CHECK(*p.load() == 1);
  p.store(std::make_shared<const int>(2));
  CHECK(*p.load() == 2);
  std::thread([&] { CHECK(*p.load() == 2); }).join();

  // Two instances read alternately by one thread never mix up their values.
  Published<int> q(std::make_shared<const int>(10));
  for (int i = 0; i < 3; ++i) {
    CHECK(*p.load() == 2);
    CHECK(*q.load() == 10);
  }
  // The old value lives on with a reader that holds it.
  const auto held = q.load();
  q.store(std::make_shared<const int>(11));
  CHECK(*held == 10);
  CHECK(*q.load() == 11);
}

TEST_CASE("loads racing stores see only whole values, in order", "[published][concurrency]") {
  Published<std::vector<int>> p(std::make_shared<const std::vector<int>>(100, 0));
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, older{0}, loads{0};  // counted here: Catch2 asserts from one thread only
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      int last = 0;
      do {  // at least one load, however fast the writer is
        const auto v = p.load();
        if (v->size() != 100 || v->front() != v->back()) ++torn;  // never a torn value
        if (v->front() < last) ++older;                           // never an older one than before
        last = v->front();
        ++loads;
      } while (!done.load());
    });
  }
  for (int i = 1; i <= 2000; ++i) p.store(std::make_shared<const std::vector<int>>(100, i));
  done = true;
  for (auto& r : readers) r.join();
  CHECK(loads.load() > 0);
  CHECK(torn.load() == 0);
  CHECK(older.load() == 0);
  CHECK(p.load()->front() == 2000);
}

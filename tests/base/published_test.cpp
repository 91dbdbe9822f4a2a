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
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      int last = 0;
      while (!done.load()) {
        const auto v = p.load();
        REQUIRE(v->size() == 100);
        REQUIRE(v->front() == v->back());  // never a torn value
        REQUIRE(v->front() >= last);       // never an older one than before
        last = v->front();
      }
    });
  }
  for (int i = 1; i <= 2000; ++i) p.store(std::make_shared<const std::vector<int>>(100, i));
  done = true;
  for (auto& r : readers) r.join();
  CHECK(p.load()->front() == 2000);
}

// core::Pool: leases give their object back on every path.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "core/pool.hpp"

namespace mc::core {
namespace {

struct Thing {
  explicit Thing(int number) : id(number) {}
  int id;
};

TEST(Pool, ReusesWhatWasGivenBackAndMakesMoreOnDemand) {
  int made = 0;
  Pool<Thing> pool([&] { return std::make_unique<Thing>(++made); });
  {
    const auto first = pool.acquire();
    const auto second = pool.acquire();
    EXPECT_EQ(first->id, 1);
    EXPECT_EQ((*second).id, 2);
  }
  const auto again = pool.acquire();
  EXPECT_LE(again->id, 2);
  EXPECT_EQ(made, 2);
}

TEST(Pool, GivesBackWhenAnExceptionLeavesTheScope) {
  int made = 0;
  Pool<Thing> pool([&] { return std::make_unique<Thing>(++made); }, 1);
  EXPECT_THROW(
      {
        const auto lease = pool.acquire();
        throw std::runtime_error("upload refused");
      },
      std::runtime_error);
  EXPECT_TRUE(pool.try_acquire_for(std::chrono::milliseconds(0)));
  EXPECT_EQ(made, 1);
}

TEST(Pool, WaitsAtTheLimitAndDiscardedObjectsAreMadeAnew) {
  int made = 0;
  Pool<Thing> pool([&] { return std::make_unique<Thing>(++made); }, 1);
  {
    auto lease = pool.acquire();
    EXPECT_FALSE(pool.try_acquire_for(std::chrono::milliseconds(10))) << "the only one is leased";
    lease.discard();
  }
  EXPECT_EQ(pool.acquire()->id, 2) << "the discarded one was not reused";
}

TEST(Pool, AFactoryThatThrowsFreesItsPlace) {
  bool fail = true;
  Pool<Thing> pool(
      [&] {
        if (fail) throw std::runtime_error("cannot connect");
        return std::make_unique<Thing>(7);
      },
      1);
  EXPECT_THROW((void)pool.acquire(), std::runtime_error);
  fail = false;
  EXPECT_EQ(pool.acquire()->id, 7);
}

TEST(Pool, AFixedSetIsSharedBetweenThreads) {
  std::vector<std::unique_ptr<Thing>> things;
  things.push_back(std::make_unique<Thing>(1));
  things.push_back(std::make_unique<Thing>(2));
  Pool<Thing> pool(std::move(things));
  std::atomic<int> holders{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        const auto lease = pool.acquire();
        const int now = ++holders;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --holders;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_TRUE(pool.try_acquire_for(std::chrono::milliseconds(0)));
}

}  // namespace
}  // namespace mc::core

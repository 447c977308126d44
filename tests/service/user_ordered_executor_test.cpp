// The per-user executor: one user's tasks in order, users in parallel.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/intake/user_ordered_executor.hpp"

namespace {

TEST(UserOrderedExecution, OneUsersTasksRunInOrderOthersInParallel) {
  std::mutex mutex;
  std::vector<std::string> order;
  std::atomic<int> running_b{0};
  std::atomic<int> overlap{0};
  {
    mc::service::UserOrderedExecutor executor(4);
    for (int i = 0; i < 20; ++i) {
      executor.submit("a", [&, i] {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        const std::lock_guard lock(mutex);
        order.push_back(std::to_string(i));
      });
      executor.submit("b", [&] {
        if (running_b.fetch_add(1) > 0) ++overlap;  // two tasks of user b at once
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        running_b.fetch_sub(1);
      });
    }
  }
  ASSERT_EQ(order.size(), 20U);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], std::to_string(i));
  EXPECT_EQ(overlap.load(), 0);
}

// What intake counts: one user's backlog behind its running task is not
// runnable (it cannot start before that task ends), so it leaves room for
// other users; it still counts as buffered.
TEST(UserOrderedExecution, TasksWaitingBehindTheirUsersRunningTaskAreBufferedNotRunnable) {
  std::promise<void> release;
  const std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> started{0};
  auto blocked = [&] {
    ++started;
    gate.wait();
  };
  mc::service::UserOrderedExecutor executor(4);
  for (int i = 0; i < 4; ++i) executor.submit("slow user", blocked);
  // Until the slow user's first task has started it is the only one that can
  // run; the three behind it wait for it, not for a worker.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (started.load() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(started.load(), 1);
  EXPECT_EQ(executor.runnable(), 1);
  EXPECT_EQ(executor.buffered(), 4);

  // Three other users fill three more workers.
  for (const char* user : {"b", "c", "d"}) executor.submit(user, blocked);
  while (started.load() < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(started.load(), 4);
  EXPECT_EQ(executor.runnable(), 4);
  EXPECT_EQ(executor.buffered(), 7);
  // A fifth user waits for a worker: runnable, not yet running.
  executor.submit("e", blocked);
  EXPECT_EQ(executor.runnable(), 5);
  EXPECT_EQ(executor.buffered(), 8);

  release.set_value();
  while (executor.buffered() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(executor.buffered(), 0);
  EXPECT_EQ(executor.runnable(), 0);
  EXPECT_EQ(started.load(), 8);
}

}  // namespace

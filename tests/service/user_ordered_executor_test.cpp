// The per-user executor: one user's tasks in order, users in parallel.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/user_ordered_executor.hpp"

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

}  // namespace

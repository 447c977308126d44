#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mc::service {

// A fixed pool of worker threads where tasks with the same key (user_id) run
// one after another in submission order, and tasks with different keys run
// in parallel: two requests of one user are applied in the order consumed.
class UserOrderedExecutor {
 public:
  explicit UserOrderedExecutor(int threads);
  ~UserOrderedExecutor();  // finishes queued tasks, then joins
  UserOrderedExecutor(const UserOrderedExecutor&) = delete;
  UserOrderedExecutor& operator=(const UserOrderedExecutor&) = delete;

  void submit(const std::string& key, std::function<void()> task);

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::map<std::string, std::deque<std::function<void()>>> queues_;  // key -> its waiting tasks
  std::deque<std::string> runnable_;                                 // keys whose next task may start
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mc::service

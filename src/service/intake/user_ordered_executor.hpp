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

  // What intake looks at. `runnable()`: keys with work, that is tasks
  // running plus the first waiting task of each idle key; at most `threads`
  // of these keep every worker busy, and a task behind its own key's
  // running one is not among them. `buffered()`: every task submitted and
  // not finished (running or waiting), for a bound on memory.
  [[nodiscard]] int runnable() const;
  [[nodiscard]] int buffered() const;

 private:
  void work();

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::map<std::string, std::deque<std::function<void()>>> queues_;  // key -> its waiting tasks
  std::deque<std::string> runnable_;                                 // keys whose next task may start
  int buffered_ = 0;                                                 // tasks submitted, not finished
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mc::service

#include "service/intake/user_ordered_executor.hpp"

namespace mc::service {

UserOrderedExecutor::UserOrderedExecutor(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { work(); });
}

UserOrderedExecutor::~UserOrderedExecutor() {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void UserOrderedExecutor::submit(const std::string& key, std::function<void()> task) {
  {
    const std::lock_guard lock(mutex_);
    auto& queue = queues_[key];
    queue.push_back(std::move(task));
    ++buffered_;
    // A key with one task is idle: it becomes runnable. With more, the
    // running task hands the key on when it finishes.
    if (queue.size() == 1) runnable_.push_back(key);
  }
  ready_.notify_one();
}

int UserOrderedExecutor::runnable() const {
  const std::lock_guard lock(mutex_);
  return static_cast<int>(queues_.size());
}

int UserOrderedExecutor::buffered() const {
  const std::lock_guard lock(mutex_);
  return buffered_;
}

void UserOrderedExecutor::work() {
  for (;;) {
    std::string key;
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return !runnable_.empty() || (closing_ && queues_.empty()); });
      if (runnable_.empty()) return;
      key = std::move(runnable_.front());
      runnable_.pop_front();
      task = std::move(queues_[key].front());
    }
    task();
    {
      const std::lock_guard lock(mutex_);
      auto& queue = queues_[key];
      queue.pop_front();
      --buffered_;
      if (queue.empty()) {
        queues_.erase(key);
      } else {
        runnable_.push_back(key);
      }
    }
    ready_.notify_all();
  }
}

}  // namespace mc::service

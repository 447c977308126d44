#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace mc::core {

// A pool of reusable objects handed out as RAII leases: a Lease gives its
// object back when it goes (on every path, exceptions included), or destroys
// it when discard() was called (an object in an unknown state). Objects are
// either a fixed set given at construction or made on demand by a factory,
// at most `limit` at once. Thread-safe; the pool must outlive its leases.
template <typename T>
class Pool {
 public:
  using Factory = std::function<std::unique_ptr<T>()>;
  static constexpr std::size_t kUnlimited = 0;

  // Objects made by `make` when none is idle; at most `limit` exist at once
  // (kUnlimited: no bound, acquire() never waits).
  explicit Pool(Factory make, std::size_t limit = kUnlimited) : make_(std::move(make)), limit_(limit) {}
  // A fixed set: acquire() waits while all are leased.
  explicit Pool(std::vector<std::unique_ptr<T>> objects)
      : idle_(std::move(objects)), limit_(idle_.size()), existing_(idle_.size()) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), object_(std::move(other.object_)), discarded_(other.discarded_) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pool_ == nullptr) return;
      if (discarded_) {
        object_.reset();
        pool_->forget();
      } else {
        pool_->give_back(std::move(object_));
      }
    }
    T& operator*() const { return *object_; }
    T* operator->() const { return object_.get(); }
    // The object is in an unknown state: destroyed when the lease goes
    // instead of being reused (a factory pool makes a new one when needed; a
    // fixed set shrinks).
    void discard() noexcept { discarded_ = true; }

   private:
    friend class Pool;
    Lease(Pool& pool, std::unique_ptr<T> object) : pool_(&pool), object_(std::move(object)) {}
    Pool* pool_;
    std::unique_ptr<T> object_;
    bool discarded_ = false;
  };

  // Waits for an idle object or for room to make one.
  [[nodiscard]] Lease acquire() { return *acquire_until(std::nullopt); }
  // As acquire(), waiting at most `timeout`; nothing when it passes.
  [[nodiscard]] std::optional<Lease> try_acquire_for(std::chrono::steady_clock::duration timeout) {
    return acquire_until(std::chrono::steady_clock::now() + timeout);
  }

 private:
  std::optional<Lease> acquire_until(std::optional<std::chrono::steady_clock::time_point> deadline) {
    {
      std::unique_lock lock(mutex_);
      auto ready = [this] { return !idle_.empty() || (make_ && (limit_ == kUnlimited || existing_ < limit_)); };
      if (!deadline) {
        available_.wait(lock, ready);
      } else if (!available_.wait_until(lock, *deadline, ready)) {
        return std::nullopt;
      }
      if (!idle_.empty()) {
        std::unique_ptr<T> object = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(object));
      }
      ++existing_;  // its place is taken while it is made, outside the lock
    }
    try {
      return Lease(*this, make_());
    } catch (...) {
      forget();
      throw;
    }
  }

  void give_back(std::unique_ptr<T> object) noexcept {
    {
      const std::lock_guard lock(mutex_);
      try {
        idle_.push_back(std::move(object));
      } catch (...) {  // no memory to keep it: it goes, and its place is free
        --existing_;
      }
    }
    available_.notify_one();
  }

  void forget() noexcept {
    {
      const std::lock_guard lock(mutex_);
      --existing_;
    }
    available_.notify_one();
  }

  Factory make_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<T>> idle_;
  std::size_t limit_;
  std::size_t existing_ = 0;
};

}  // namespace mc::core

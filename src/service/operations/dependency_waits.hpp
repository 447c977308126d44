#pragma once

#include <atomic>

namespace mc::service {

// The intake brake: how many workers are waiting for S3, PostgreSQL or Kafka
// to come back. While any is, the consume loop pauses its partitions, so that
// no more messages pile up behind an outage. One per service; the retry
// policy and the result publisher count into it, the consume loop reads it.
// Thread-safe.
class DependencyWaits {
 public:
  // Counts its owner as waiting from start() until it goes out of scope.
  class Waiting {
   public:
    Waiting() = default;  // counts into nothing
    explicit Waiting(std::atomic<int>& count) : count_(&count) {}
    ~Waiting() {
      if (started_) --*count_;
    }
    Waiting(const Waiting&) = delete;
    Waiting& operator=(const Waiting&) = delete;
    void start() {
      if (count_ != nullptr && !started_) ++*count_;
      started_ = count_ != nullptr;
    }

   private:
    std::atomic<int>* count_ = nullptr;
    bool started_ = false;
  };

  [[nodiscard]] Waiting waiting() { return Waiting(count_); }
  // Workers waiting now.
  [[nodiscard]] int count() const { return count_.load(); }

 private:
  std::atomic<int> count_{0};
};

}  // namespace mc::service

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "service/intake/offset_tracker.hpp"

namespace mc::service {

using Partition = OffsetTracker::Partition;

// One assignment of one partition to this member (from one rebalance to the
// next). Work consumed under it checks it: once revoked, queued work is
// dropped, running work stops at its next step, and nothing it finishes
// counts for a later assignment of the same partition.
struct PartitionAssignment {
  std::atomic<bool> revoked{false};
  std::atomic<int> running{0};  // messages of it being processed now
};

// The offsets whose messages got their outcome, handed from the workers to
// the consume thread, which alone may store them. Thread-safe.
class FinishedOffsets {
 public:
  struct Entry {
    Partition partition;
    std::int64_t offset;
    std::shared_ptr<PartitionAssignment> assignment;  // the one it was consumed under
  };

  // False when there was no memory to keep it.
  [[nodiscard]] bool add(Entry entry) noexcept {
    try {
      const std::lock_guard lock(mutex_);
      entries_.push_back(std::move(entry));
      return true;
    } catch (...) {
      return false;
    }
  }
  // Everything added since the last call.
  [[nodiscard]] std::vector<Entry> take() {
    std::vector<Entry> taken;
    const std::lock_guard lock(mutex_);
    taken.swap(entries_);
    return taken;
  }

 private:
  std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace mc::service

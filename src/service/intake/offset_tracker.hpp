#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace mc::service {

// At-least-once bookkeeping for consumed messages: an offset may be stored
// only when its message and every earlier message of its partition are
// finished. Not thread-safe (the consume loop owns it).
class OffsetTracker {
 public:
  using Partition = std::pair<std::string, std::int32_t>;  // topic, partition

  // A message was taken for processing.
  void started(const Partition& partition, std::int64_t offset);
  // Its processing finished (result acknowledged). Unknown offsets (of a
  // partition revoked meanwhile) are ignored.
  void finished(const Partition& partition, std::int64_t offset);
  // The offset to store for `partition` (the next one to consume) when the
  // finished prefix has grown since the last call; nothing otherwise.
  std::optional<std::int64_t> take_committable(const Partition& partition);
  // Forget a partition (revoked): later finishes for it are ignored.
  void forget(const Partition& partition);

  [[nodiscard]] std::size_t in_flight() const;
  [[nodiscard]] std::set<Partition> partitions() const;

 private:
  struct State {
    std::map<std::int64_t, bool> offsets;  // in consumption order: finished?
    std::optional<std::int64_t> committable;
  };
  std::map<Partition, State> states_;
};

}  // namespace mc::service

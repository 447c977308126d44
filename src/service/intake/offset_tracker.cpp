#include "service/intake/offset_tracker.hpp"

namespace mc::service {

void OffsetTracker::started(const Partition& partition, std::int64_t offset) {
  states_[partition].offsets.emplace(offset, false);
}

void OffsetTracker::finished(const Partition& partition, std::int64_t offset) {
  const auto state = states_.find(partition);
  if (state == states_.end()) return;
  const auto entry = state->second.offsets.find(offset);
  if (entry == state->second.offsets.end()) return;
  entry->second = true;
  // Pop the finished prefix; the next offset to consume follows its last one.
  auto& offsets = state->second.offsets;
  while (!offsets.empty() && offsets.begin()->second) {
    state->second.committable = offsets.begin()->first + 1;
    offsets.erase(offsets.begin());
  }
}

std::optional<std::int64_t> OffsetTracker::take_committable(const Partition& partition) {
  const auto state = states_.find(partition);
  if (state == states_.end()) return std::nullopt;
  return std::exchange(state->second.committable, std::nullopt);
}

void OffsetTracker::forget(const Partition& partition) { states_.erase(partition); }

std::size_t OffsetTracker::in_flight() const {
  std::size_t count = 0;
  for (const auto& [partition, state] : states_) count += state.offsets.size();
  return count;
}

std::set<OffsetTracker::Partition> OffsetTracker::partitions() const {
  std::set<Partition> result;
  for (const auto& [partition, state] : states_) result.insert(partition);
  return result;
}

}  // namespace mc::service

// At-least-once bookkeeping: an offset is stored only after every earlier
// message of its partition finished.
#include <gtest/gtest.h>

#include "service/intake/offset_tracker.hpp"

namespace {

using mc::service::OffsetTracker;

TEST(OffsetTracking, StoresOnlyAfterEveryEarlierMessageOfThePartitionFinished) {
  OffsetTracker tracker;
  const OffsetTracker::Partition p0{"mask_input", 0};
  const OffsetTracker::Partition p1{"mask_input", 1};
  for (std::int64_t offset : {10, 11, 12}) tracker.started(p0, offset);
  tracker.started(p1, 5);
  EXPECT_EQ(tracker.in_flight(), 4U);
  tracker.finished(p0, 12);
  tracker.finished(p0, 11);
  EXPECT_FALSE(tracker.take_committable(p0)) << "10 is still running";
  tracker.finished(p0, 10);
  EXPECT_EQ(tracker.take_committable(p0), 13) << "the next offset to consume";
  EXPECT_FALSE(tracker.take_committable(p0)) << "taken once";
  EXPECT_FALSE(tracker.take_committable(p1));
  tracker.finished(p1, 5);
  EXPECT_EQ(tracker.take_committable(p1), 6);
  EXPECT_EQ(tracker.in_flight(), 0U);
}

TEST(OffsetTracking, ARevokedPartitionIgnoresLateFinishes) {
  OffsetTracker tracker;
  const OffsetTracker::Partition p{"mask_input", 2};
  tracker.started(p, 1);
  tracker.started(p, 2);
  tracker.finished(p, 1);
  tracker.forget(p);
  tracker.finished(p, 2);
  EXPECT_FALSE(tracker.take_committable(p));
  EXPECT_EQ(tracker.in_flight(), 0U);
}

}  // namespace

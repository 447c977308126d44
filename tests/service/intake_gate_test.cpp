// When the consumer pauses intake (IntakeGate), from the counts the consume
// loop gives it: no broker needed.
#include "service/intake/intake_gate.hpp"

#include <gtest/gtest.h>

namespace mc::service {
namespace {

TEST(IntakeGate, ClosesWhenEveryWorkerCanBeBusy) {
  const DependencyWaits waits;
  const IntakeGate intake(2, waits);
  EXPECT_FALSE(intake.closed(0, 0));
  EXPECT_FALSE(intake.closed(1, 1));
  EXPECT_TRUE(intake.closed(2, 2)) << "SERVICE_CONCURRENCY messages can run";
}

TEST(IntakeGate, OneUsersBacklogClosesItOnlyAtFourTimesTheConcurrency) {
  const DependencyWaits waits;
  const IntakeGate intake(2, waits);
  // One user: one message can run, the rest wait behind it in its lane.
  EXPECT_FALSE(intake.closed(1, 7)) << "a backlog behind a busy user holds no other user up";
  EXPECT_TRUE(intake.closed(1, 8)) << "the bound on what is held";
}

TEST(IntakeGate, ClosesWhileTheMessagesHeldAddUpTo256MiB) {
  const DependencyWaits waits;
  IntakeGate intake(4, waits);
  intake.took(200U << 20U);
  EXPECT_FALSE(intake.closed(1, 1));
  intake.took(56U << 20U);
  EXPECT_TRUE(intake.closed(2, 2));
  intake.released(200U << 20U);
  EXPECT_FALSE(intake.closed(1, 1)) << "open again once a large message has ended";
}

TEST(IntakeGate, ClosesWhileAWorkerWaitsForADependency) {
  DependencyWaits waits;
  const IntakeGate intake(4, waits);
  {
    auto waiting = waits.waiting();
    waiting.start();  // S3 down, say
    EXPECT_TRUE(intake.closed(0, 0));
  }
  EXPECT_FALSE(intake.closed(0, 0)) << "open again once it is back";
}

}  // namespace
}  // namespace mc::service

// RetryPolicy and the intake brake it counts into, without servers: the
// backoff's bounds and spread, how often a refusal is tried, and that a stop
// ends any waiting. No test depends on how long anything takes.
#include "service/operations/retry_policy.hpp"

#include <gtest/gtest.h>

#include <future>
#include <sstream>
#include <string>

#include <spdlog/sinks/null_sink.h>

#include "metric_lines.hpp"

namespace mc::service {
namespace {

using adapters::DependencyError;
using std::chrono::milliseconds;

class RetryPolicyTest : public ::testing::Test {
 protected:
  spdlog::logger logger{"test", std::make_shared<spdlog::sinks::null_sink_mt>()};
  RequestLog log{logger, "u", "r"};
  ServiceMetrics metrics{BuildInfo{"1", "1"}};
  DependencyWaits waits;
  StopState stop;
  // Delays of a millisecond or two: the tests wait for nothing.
  RetryPolicy quick{RetrySettings{milliseconds(1), milliseconds(2), 3}, &metrics, &waits};
};

TEST_F(RetryPolicyTest, BackoffStaysBetweenZeroAndTheCappedExponential) {
  RetryPolicy retry(RetrySettings{milliseconds(100), milliseconds(3000), 3});
  for (int attempt = 0; attempt <= 40; ++attempt) {
    const long ceiling = std::min<long>(3000, 100L << std::min(attempt, 20));
    for (int sample = 0; sample < 200; ++sample) {
      const long delay = retry.backoff(attempt).count();
      ASSERT_GE(delay, 0) << "attempt " << attempt;
      ASSERT_LE(delay, ceiling) << "attempt " << attempt;
    }
  }
  EXPECT_LE(retry.backoff(1'000'000).count(), 3000) << "a huge attempt count stays at the cap";
}

TEST_F(RetryPolicyTest, JitterSpreadsOverTheWholeRange) {
  // Full jitter: uniform in [0, 800] at attempt 3. Of 2000 draws, none in the
  // lowest or the highest tenth would happen about once in 10^91.
  RetryPolicy retry(RetrySettings{milliseconds(100), milliseconds(30000), 3});
  long lowest = 800;
  long highest = 0;
  for (int sample = 0; sample < 2000; ++sample) {
    const long delay = retry.backoff(3).count();
    lowest = std::min(lowest, delay);
    highest = std::max(highest, delay);
  }
  EXPECT_LT(lowest, 80);
  EXPECT_GT(highest, 720);
}

TEST_F(RetryPolicyTest, APermanentRefusalIsTriedTheConfiguredTimesAndDoesNotBrakeIntake) {
  int calls = 0;
  try {
    quick.until_done(log, "upload", Interruption::for_request(stop), [&] {
      ++calls;
      EXPECT_EQ(waits.count(), 0) << "a refusal is no outage: intake goes on";
      throw DependencyError(DependencyError::Kind::kPermanent, "HTTP 403 AccessDenied");
    });
    FAIL() << "a permanent refusal passed";
  } catch (const InfrastructureRefusal& refusal) {
    EXPECT_STREQ(refusal.what(), "HTTP 403 AccessDenied");
    EXPECT_EQ(refusal.attempts(), 3);
  }
  EXPECT_EQ(calls, 3) << "DEPENDENCY_PERMANENT_ATTEMPTS";
  EXPECT_EQ(line_of(metrics.text(), R"(maskcomponent_retries_total{kind="permanent",stage="upload"})"),
            R"(maskcomponent_retries_total{kind="permanent",stage="upload"} 2)")
      << "the attempts after the first";
}

TEST_F(RetryPolicyTest, ATransientFailureIsRetriedUntilItPassesBrakingIntakeMeanwhile) {
  int calls = 0;
  const int value = quick.until_done(log, "database", Interruption::for_request(stop), [&] {
    ++calls;
    // From the first transient failure on, this worker counts as waiting.
    EXPECT_EQ(waits.count(), calls == 1 ? 0 : 1) << "call " << calls;
    if (calls <= 5) throw DependencyError(DependencyError::Kind::kTransient, "connection refused");
    return 42;
  });
  EXPECT_EQ(value, 42);
  EXPECT_EQ(calls, 6) << "transient failures have no limit";
  EXPECT_EQ(waits.count(), 0) << "the brake is released when the work passes";
  EXPECT_EQ(line_of(metrics.text(), R"(maskcomponent_retries_total{kind="transient",stage="database"})"),
            R"(maskcomponent_retries_total{kind="transient",stage="database"} 5)");
}

TEST_F(RetryPolicyTest, AStopEndsTheRetriesOfAnOutageAndReleasesTheBrake) {
  int calls = 0;
  EXPECT_THROW(quick.until_done(log, "startup", Interruption::at_startup(stop),
                                [&]() -> int {
                                  if (++calls == 3) stop.stopping = true;  // a signal during start-up
                                  throw DependencyError(DependencyError::Kind::kTransient, "connection refused");
                                }),
               Abandoned);
  EXPECT_EQ(calls, 3) << "no call after the stop";
  EXPECT_EQ(waits.count(), 0);
}

TEST_F(RetryPolicyTest, ASleepEndsWhenItsRequestIsInterrupted) {
  std::atomic<bool> revoked{false};
  const Interruption interruption = Interruption::for_request(stop, &revoked);
  auto sleeping = std::async(std::launch::async, [&] { RetryPolicy::sleep(std::chrono::hours(1), interruption); });
  revoked = true;  // its partition was revoked
  ASSERT_EQ(sleeping.wait_for(std::chrono::seconds(60)), std::future_status::ready) << "an hour's sleep went on";
  EXPECT_THROW(sleeping.get(), Abandoned);

  // Shutdown: only once its grace period has ended.
  stop.stopping = true;
  stop.deadline_ns = 1;  // long past
  EXPECT_THROW(RetryPolicy::sleep(std::chrono::hours(1), Interruption::for_request(stop)), Abandoned);
}

TEST(DependencyWaits, CountsAWorkerFromItsStartUntilItsScopeEnds) {
  DependencyWaits waits;
  {
    auto first = waits.waiting();
    EXPECT_EQ(waits.count(), 0) << "not before start()";
    first.start();
    first.start();
    EXPECT_EQ(waits.count(), 1) << "one worker counts once";
    auto second = waits.waiting();
    second.start();
    EXPECT_EQ(waits.count(), 2);
  }
  EXPECT_EQ(waits.count(), 0);
  DependencyWaits::Waiting uncounted;  // a policy without a brake
  uncounted.start();
  EXPECT_EQ(waits.count(), 0);
}

}  // namespace
}  // namespace mc::service

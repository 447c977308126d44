#include "service/operations/health.hpp"

#include <gtest/gtest.h>

namespace mc::service {
namespace {

using namespace std::chrono_literals;

void make_ready(HealthState& health) {
  health.set_models_ready();
  health.set_group_joined(true);
  health.set_dependency(Dependency::kPostgres, true);
  health.set_dependency(Dependency::kS3, true);
}

TEST(Readiness, ReadyOnlyWhenEveryConditionHolds) {
  HealthState health(60s);
  make_ready(health);
  const auto verdict = health.readiness();
  EXPECT_TRUE(verdict.ok);
  EXPECT_EQ(verdict.body, "ready\n");
}

TEST(Readiness, AFreshServiceNamesEveryMissingCondition) {
  const HealthState health(60s);
  const auto verdict = health.readiness();
  EXPECT_FALSE(verdict.ok);
  for (const char* condition :
       {"models: loading", "kafka: consumer group not joined", "postgres: not checked yet", "s3: not checked yet"}) {
    EXPECT_NE(verdict.body.find(condition), std::string::npos) << condition << "\n" << verdict.body;
  }
  EXPECT_EQ(verdict.body.find("shutting down"), std::string::npos);
}

TEST(Readiness, EachFailingConditionAloneMakesItNotReadyAndIsNamed) {
  {
    HealthState health(60s);
    make_ready(health);
    health.set_dependency(Dependency::kS3, false);
    const auto verdict = health.readiness();
    EXPECT_FALSE(verdict.ok);
    EXPECT_NE(verdict.body.find("s3: no answer to the last check"), std::string::npos) << verdict.body;
    EXPECT_EQ(verdict.body.find("postgres"), std::string::npos) << verdict.body;
  }
  {
    HealthState health(60s);
    make_ready(health);
    health.set_dependency(Dependency::kPostgres, false);
    EXPECT_NE(health.readiness().body.find("postgres: no answer to the last check"), std::string::npos);
  }
  {
    HealthState health(60s);
    make_ready(health);
    health.set_group_joined(false);  // a revocation: rebalancing
    EXPECT_FALSE(health.readiness().ok);
  }
  {
    HealthState health(60s);
    make_ready(health);
    health.set_shutting_down();
    const auto verdict = health.readiness();
    EXPECT_FALSE(verdict.ok);
    EXPECT_NE(verdict.body.find("shutting down"), std::string::npos);
  }
}

TEST(Readiness, ADependencyThatAnswersAgainMakesItReadyAgain) {
  HealthState health(60s);
  make_ready(health);
  health.set_dependency(Dependency::kPostgres, false);
  health.set_dependency(Dependency::kPostgres, true);
  EXPECT_TRUE(health.readiness().ok);
}

TEST(Liveness, LiveWhileStartingAndWhileTheLoopPolls) {
  HealthState health(60s);
  const auto now = HealthState::Clock::now();
  EXPECT_TRUE(health.liveness(now + 1h).ok) << "before the loop starts: starting";
  health.loop_polled(now);
  EXPECT_TRUE(health.liveness(now + 59s).ok);
}

TEST(Liveness, ALoopStuckLongerThanTheLimitIsNotLive) {
  HealthState health(60s);
  const auto now = HealthState::Clock::now();
  health.loop_polled(now);
  const auto verdict = health.liveness(now + 61s);
  EXPECT_FALSE(verdict.ok);
  EXPECT_NE(verdict.body.find("has not polled for 61 s"), std::string::npos) << verdict.body;
  health.loop_polled(now + 62s);
  EXPECT_TRUE(health.liveness(now + 63s).ok);
}

TEST(Readiness, ResultsThatCannotBePublishedMakeItNotReadyUntilTheyCanAgain) {
  HealthState health(60s);
  make_ready(health);
  health.set_publishing_failed(true);
  auto verdict = health.readiness();
  EXPECT_FALSE(verdict.ok);
  EXPECT_NE(verdict.body.find("kafka: publishing results failed"), std::string::npos) << verdict.body;
  health.set_publishing_failed(false);
  verdict = health.readiness();
  EXPECT_TRUE(verdict.ok) << verdict.body;
}

TEST(Readiness, MissingResultTopicsAreNamedUntilTheyExist) {
  HealthState health(60s);
  make_ready(health);
  health.set_missing_topics("out does not exist; poison does not exist");
  auto verdict = health.readiness();
  EXPECT_FALSE(verdict.ok);
  EXPECT_NE(
      verdict.body.find("kafka: out does not exist; poison does not exist (nothing is consumed until they exist)"),
      std::string::npos)
      << verdict.body;
  health.set_missing_topics("");
  verdict = health.readiness();
  EXPECT_TRUE(verdict.ok) << verdict.body;
}

}  // namespace
}  // namespace mc::service

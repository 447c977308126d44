// The per-message guard (MessageGuard) without a broker: whatever processing
// or publishing throws, a message gets exactly one outcome (or, when it must
// be abandoned, none and no offset), and its offset is finished once.
// The publisher is a recording stand-in: the real one needs a broker, and what
// is tested here is what the guard does with its answers.
#include "service/intake/message_guard.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>

#include "metric_lines.hpp"

namespace mc::service {
namespace {

struct RecordingPublisher final : OutcomePublisher {
  std::vector<Outcome> delivered;
  std::function<void()> fail;  // thrown instead of delivering, when set
  long drops = 0;
  void deliver(const Outcome& outcome) override {
    if (fail) fail();
    delivered.push_back(outcome);
  }
  void count_dropped() override { ++drops; }
  [[nodiscard]] long dropped() const override { return drops; }
};

class MessageGuardTest : public ::testing::Test {
 protected:
  MessageGuardTest() { logger.set_pattern("{%v}"); }

  // A message of user "u", request "r", at offset 7 of partition 0.
  std::shared_ptr<ConsumedMessage> message() {
    const std::string payload = R"({"user_id":"u","request_id":"r"})";
    return std::make_shared<ConsumedMessage>(ConsumedMessage{{"mask_input", 0},
                                                             {0, 7, 1000},
                                                             assignment,
                                                             payload,
                                                             core::read_message(payload),
                                                             std::chrono::steady_clock::now()});
  }
  // The events of the lines logged so far.
  std::vector<std::string> events() const {
    std::vector<std::string> found;
    std::istringstream lines(log_text.str());
    std::string line;
    while (std::getline(lines, line)) found.push_back(nlohmann::json::parse(line).value("event", ""));
    return found;
  }

  std::ostringstream log_text;
  spdlog::logger logger{"test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text)};
  ServiceMetrics metrics{BuildInfo{"1", "1"}};
  StopState stop;
  FinishedOffsets finished;
  RecordingPublisher publisher;
  std::shared_ptr<PartitionAssignment> assignment = std::make_shared<PartitionAssignment>();
  int processed = 0;
  std::function<Outcome()> processing = [] { return completed_outcome({"u", core::Gender::kMale, "r"}, {}); };
  MessageGuard guard{
      [this](const std::string&, const core::IncomingMessage&, const core::MessagePosition&, const Interruption&) {
        ++processed;
        return processing();
      },
      publisher,
      finished,
      stop,
      metrics,
      logger};
};

TEST_F(MessageGuardTest, AProcessedMessageIsPublishedOnceAndItsOffsetFinished) {
  guard.run(*message());
  ASSERT_EQ(publisher.delivered.size(), 1U);
  EXPECT_EQ(publisher.delivered[0].kind, OutcomeKind::kCompleted);
  const auto offsets = finished.take();
  ASSERT_EQ(offsets.size(), 1U);
  EXPECT_EQ(offsets[0].offset, 7);
  EXPECT_EQ(offsets[0].assignment, assignment);
  EXPECT_EQ(assignment->running.load(), 0);
  EXPECT_EQ(line_of(metrics.text(), R"(maskcomponent_requests_total{failure_class="none",outcome="completed"})"),
            R"(maskcomponent_requests_total{failure_class="none",outcome="completed"} 1)");
}

TEST_F(MessageGuardTest, AnExceptionFromProcessingStillGivesOneFailedOutcomeCountedInternal) {
  processing = []() -> Outcome { throw std::runtime_error("vector::_M_range_check"); };
  guard.run(*message());
  ASSERT_EQ(publisher.delivered.size(), 1U) << "exactly one outcome";
  const Outcome& outcome = publisher.delivered[0];
  EXPECT_EQ(outcome.kind, OutcomeKind::kFailed);
  EXPECT_EQ(outcome.failure, FailureKind::kInternal);
  EXPECT_EQ(outcome.result["error"], "Mask generation failed: vector::_M_range_check");
  EXPECT_EQ(outcome.result["user_id"], "u");
  ASSERT_TRUE(outcome.poison) << "a poison message too";
  EXPECT_EQ(outcome.poison->original, R"({"user_id":"u","request_id":"r"})");
  EXPECT_EQ(finished.take().size(), 1U) << "the offset moves on";
  EXPECT_EQ(line_of(metrics.text(), R"(maskcomponent_requests_total{failure_class="internal",outcome="failed"})"),
            R"(maskcomponent_requests_total{failure_class="internal",outcome="failed"} 1)");
  EXPECT_EQ(events(), std::vector<std::string>{"unexpected_error"});
}

TEST_F(MessageGuardTest, AnythingThrownFromProcessingIsCaught) {
  processing = []() -> Outcome { throw 42; };
  guard.run(*message());
  ASSERT_EQ(publisher.delivered.size(), 1U);
  EXPECT_EQ(publisher.delivered[0].result["error"], "Mask generation failed: unknown exception");
  EXPECT_EQ(finished.take().size(), 1U);
}

TEST_F(MessageGuardTest, AnAbandonedMessageGetsNoOutcomeAndNoOffset) {
  processing = []() -> Outcome { throw Abandoned(); };  // shutdown's grace ended meanwhile
  guard.run(*message());
  EXPECT_TRUE(publisher.delivered.empty());
  EXPECT_TRUE(finished.take().empty()) << "left for redelivery";
  EXPECT_EQ(assignment->running.load(), 0);
  EXPECT_EQ(events(), std::vector<std::string>{"abandoned"});
}

TEST_F(MessageGuardTest, AMessageOfARevokedPartitionIsNotProcessed) {
  assignment->revoked = true;
  guard.run(*message());
  EXPECT_EQ(processed, 0);
  EXPECT_TRUE(publisher.delivered.empty());
  EXPECT_TRUE(finished.take().empty()) << "its next owner consumes it again";
}

TEST_F(MessageGuardTest, APublishingFailureNobodyForesawIsCountedAndTheOffsetMovesOn) {
  publisher.fail = [] { throw std::runtime_error("bad_alloc in the producer"); };
  guard.run(*message());
  EXPECT_TRUE(publisher.delivered.empty());
  EXPECT_EQ(publisher.drops, 1);
  EXPECT_EQ(finished.take().size(), 1U) << "rather than blocking the partition";
  EXPECT_EQ(events(), std::vector<std::string>{"outcome_dropped"});
  const auto line = nlohmann::json::parse(log_text.str());
  EXPECT_EQ(line["message"], "outcome could not be published: bad_alloc in the producer");
  EXPECT_EQ(line["offset"], 7);
  EXPECT_EQ(line["dropped_publications"], 1);
}

}  // namespace
}  // namespace mc::service

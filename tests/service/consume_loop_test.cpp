// The consume loop's stop flag and orderly close, without a broker: a real
// librdkafka consumer and producer pointed at a closed port on 127.0.0.1
// (nothing to connect to, so nothing is consumed). Rebalances and offsets
// need a broker: integration/service_test.cpp and reliability_test.cpp.
#include "service/intake/consume_loop.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>

#include "service/intake/kafka_events.hpp"

namespace mc::service {
namespace {

using namespace std::chrono_literals;

// The `event` of every line logged, in order.
class EventSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> events() {
    const std::lock_guard lock(mutex_);
    return events_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    const auto line = nlohmann::json::parse("{" + std::string(message.payload.data(), message.payload.size()) + "}");
    events_.push_back(line.value("event", ""));
  }
  void flush_() override {}

 private:
  std::vector<std::string> events_;
};

bool contains(const std::vector<std::string>& events, const std::string& event) {
  return std::find(events.begin(), events.end(), event) != events.end();
}

class ConsumeLoopTest : public ::testing::Test {
 protected:
  ConsumeLoopTest() {
    settings.kafka.bootstrap_servers = "127.0.0.1:1";  // closed: the loop polls and gets nothing
    settings.concurrency = 2;
    settings.shutdown_grace = 1s;
  }

  ServiceSettings settings;
  std::shared_ptr<EventSink> sink = std::make_shared<EventSink>();
  spdlog::logger logger{"test", sink};
  ServiceMetrics metrics{BuildInfo{"1", "1"}};
  HealthState health{60s};
  StopState stop;
  DependencyWaits waits;
  RetryPolicy retry{RetrySettings{}, &metrics, &waits};
  KafkaEvents events{logger, stop, metrics};
  ResultPublisher publisher{settings, retry, waits, stop, metrics, health, logger, events};
  FinishedOffsets finished;
  int processed = 0;
  MessageGuard guard{[this](const std::string&, const core::IncomingMessage&, const core::MessagePosition&,
                            const Interruption&) -> Outcome {
                       ++processed;
                       throw std::logic_error("no message can come without a broker");
                     },
                     publisher,
                     finished,
                     stop,
                     metrics,
                     logger};
  ConsumeLoop loop{settings, guard, finished, waits, publisher, events, stop, metrics, health, logger};
};

TEST_F(ConsumeLoopTest, AStopAskedForBeforeRunEndsItAtOnceInOrder) {
  stop.stopping = true;
  loop.run();
  std::vector<std::string> service_events;
  for (const auto& event : sink->events()) {
    if (event == "started" || event == "stopping" || event == "stopped") service_events.push_back(event);
  }
  EXPECT_EQ(service_events, (std::vector<std::string>{"started", "stopping", "stopped"}));
  EXPECT_FALSE(health.readiness().ok);
  EXPECT_NE(health.readiness().body.find("shutting down"), std::string::npos) << health.readiness().body;
  EXPECT_EQ(stop.exit_code.load(), mc::core::ExitCode::kSuccess) << "a graceful stop";
  EXPECT_NE(stop.deadline_ns.load(), 0) << "the grace period was set";
  EXPECT_NE(metrics.text().find("maskcomponent_intake_paused 1"), std::string::npos) << "intake paused at the stop";
}

TEST_F(ConsumeLoopTest, TheStopFlagEndsARunningLoop) {
  auto running = std::async(std::launch::async, [this] { loop.run(); });
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (!contains(sink->events(), "started") && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(contains(sink->events(), "started"));
  EXPECT_TRUE(health.liveness(HealthState::Clock::now()).ok) << "the loop polls";
  stop.stopping = true;  // what the signal handler does
  ASSERT_EQ(running.wait_for(60s), std::future_status::ready) << "the loop did not stop";
  running.get();
  EXPECT_TRUE(contains(sink->events(), "stopped"));
  EXPECT_EQ(processed, 0);
  EXPECT_EQ(stop.exit_code.load(), mc::core::ExitCode::kSuccess);
}

}  // namespace
}  // namespace mc::service

// The wait for a model instance (service/pooled_analyzer) on the test models:
// a request that has not reached the networks is abandoned once its grace
// ended or its partition was revoked, instead of running them anyway.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <future>
#include <optional>

#include "inference/human_analyzer.hpp"
#include "service/processing/pooled_analyzer.hpp"

namespace mc::service {
namespace {

using namespace std::chrono_literals;

class PooledAnalyzerTest : public ::testing::Test {
 protected:
  static inference::ModelSettings models() {
    inference::ModelSettings settings;
    settings.checkpoints_dir = std::filesystem::path(MC_TEST_MODELS_DIR) / "one_person";
    return settings;
  }

  // A request of a consumed message that asks for the one instance while
  // the test holds it; true when it ended with Abandoned once `interrupt`
  // made its interruption due (and not before).
  bool abandoned_while_waiting(const std::function<void()>& interrupt) {
    std::optional<inference::AnalyzerPool::Lease> held(pool.acquire());
    auto waiting = std::async(std::launch::async,
                              [&] { return analyzer.analyze(person, "", Interruption::for_request(stop, &revoked)); });
    const bool waited = waiting.wait_for(200ms) == std::future_status::timeout;
    interrupt();
    const bool ended = waiting.wait_for(30s) == std::future_status::ready;
    held.reset();  // so that a waiter that did not end gets the instance and returns
    try {
      waiting.get();
    } catch (const Abandoned&) {
      return waited && ended;
    }
    return false;
  }

  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  inference::AnalyzerPool pool{models(), 1, *log};
  PooledAnalyzer analyzer{pool};
  const cv::Mat person = cv::Mat(1024, 768, CV_8UC3, cv::Scalar(200, 180, 160));
  StopState stop;
  std::atomic<bool> revoked{false};
};

TEST_F(PooledAnalyzerTest, AWaitForAnInstanceEndsWhenTheGracePeriodEnds) {
  EXPECT_TRUE(abandoned_while_waiting([this] {
    stop.stopping = true;
    stop.deadline_ns = (std::chrono::steady_clock::now() - 1ms).time_since_epoch().count();
  }));
}

TEST_F(PooledAnalyzerTest, AWaitForAnInstanceEndsWhenThePartitionIsRevoked) {
  EXPECT_TRUE(abandoned_while_waiting([this] { revoked = true; }));
}

TEST_F(PooledAnalyzerTest, WithinTheGracePeriodTheWaitGetsTheInstanceWhenItIsFree) {
  std::optional<inference::AnalyzerPool::Lease> held(pool.acquire());
  stop.stopping = true;  // stopping, the grace period not over
  stop.deadline_ns = (std::chrono::steady_clock::now() + 1h).time_since_epoch().count();
  auto waiting = std::async(std::launch::async,
                            [&] { return analyzer.analyze(person, "", Interruption::for_request(stop, &revoked)); });
  EXPECT_EQ(waiting.wait_for(200ms), std::future_status::timeout) << "the instance is held";
  held.reset();
  EXPECT_NO_THROW(waiting.get());
}

}  // namespace
}  // namespace mc::service

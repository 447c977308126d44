#include "service/operations/metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "metric_lines.hpp"

namespace mc::service {
namespace {

using namespace std::chrono_literals;

TEST(ServiceMetrics, EverySeriesAnOperatorAlertsOnExistsFromTheStart) {
  const ServiceMetrics metrics(BuildInfo{"1.2.3", "1.29.0"});
  const std::string text = metrics.text();
  EXPECT_EQ(line_of(text, R"(maskcomponent_build_info{onnxruntime="1.29.0",version="1.2.3"})"),
            R"(maskcomponent_build_info{onnxruntime="1.29.0",version="1.2.3"} 1)")
      << text;
  EXPECT_EQ(line_of(text, "maskcomponent_requests_in_flight"), "maskcomponent_requests_in_flight 0");
  EXPECT_EQ(line_of(text, "maskcomponent_poison_messages_total"), "maskcomponent_poison_messages_total 0");
  EXPECT_EQ(line_of(text, R"(maskcomponent_requests_total{failure_class="none",outcome="completed"})"),
            R"(maskcomponent_requests_total{failure_class="none",outcome="completed"} 0)")
      << text;
  for (const Stage stage : kAllStages) {
    const std::string series =
        "maskcomponent_stage_duration_seconds_count{stage=\"" + std::string(stage_name(stage)) + "\"}";
    EXPECT_EQ(line_of(text, series), series + " 0") << text;
  }
  // Not before its first check: a 0 during a long start-up would read as an outage.
  EXPECT_EQ(text.find("maskcomponent_dependency_up{"), std::string::npos) << text;
}

// INFERENCE_PRECISION as resolved (bf16 asked for on a CPU without it runs fp32).
TEST(ServiceMetrics, WhatRunsTheNetworksIsAnInfoSeries) {
  ServiceMetrics metrics(BuildInfo{"1.2.3", "1.29.0"});
  EXPECT_EQ(metrics.text().find("maskcomponent_inference_info"), std::string::npos);
  metrics.set_inference("openvino", "bf16", "AMX-BF16");
  const std::string series =
      R"(maskcomponent_inference_info{engine="openvino",instructions="AMX-BF16",precision="bf16"})";
  EXPECT_EQ(line_of(metrics.text(), series), series + " 1") << metrics.text();
}

TEST(ServiceMetrics, CountsAndDurationsAddUp) {
  ServiceMetrics metrics(BuildInfo{"1", "1"});
  metrics.request_finished("completed", "none", 2s);
  metrics.request_finished("failed", "invalid_request", 100ms);
  metrics.request_finished("failed", "invalid_request", 100ms);
  metrics.observe(Stage::kUpload, 250ms);
  metrics.observe(Stage::kUpload, 250ms);
  metrics.retried("upload", true);
  metrics.poison_published();
  metrics.set_in_flight(3);
  metrics.set_intake_paused(true);
  metrics.set_dependency_up(Dependency::kS3, false);
  const std::string text = metrics.text();
  EXPECT_EQ(line_of(text, R"(maskcomponent_requests_total{failure_class="invalid_request",outcome="failed"})"),
            R"(maskcomponent_requests_total{failure_class="invalid_request",outcome="failed"} 2)");
  EXPECT_EQ(line_of(text, "maskcomponent_request_duration_seconds_count"),
            "maskcomponent_request_duration_seconds_count 3");
  EXPECT_EQ(line_of(text, "maskcomponent_request_duration_seconds_sum"),
            "maskcomponent_request_duration_seconds_sum 2.2");
  EXPECT_EQ(line_of(text, R"(maskcomponent_stage_duration_seconds_sum{stage="upload"})"),
            R"(maskcomponent_stage_duration_seconds_sum{stage="upload"} 0.5)");
  EXPECT_EQ(line_of(text, R"(maskcomponent_stage_duration_seconds_bucket{stage="upload",le="0.25"})"),
            R"(maskcomponent_stage_duration_seconds_bucket{stage="upload",le="0.25"} 2)");
  EXPECT_EQ(line_of(text, R"(maskcomponent_retries_total{kind="transient",stage="upload"})"),
            R"(maskcomponent_retries_total{kind="transient",stage="upload"} 1)");
  EXPECT_EQ(line_of(text, "maskcomponent_poison_messages_total"), "maskcomponent_poison_messages_total 1");
  EXPECT_EQ(line_of(text, "maskcomponent_requests_in_flight"), "maskcomponent_requests_in_flight 3");
  EXPECT_EQ(line_of(text, "maskcomponent_intake_paused"), "maskcomponent_intake_paused 1");
  EXPECT_EQ(line_of(text, R"(maskcomponent_dependency_up{dependency="s3"})"),
            R"(maskcomponent_dependency_up{dependency="s3"} 0)");
}

TEST(ServiceMetrics, ConsumerLagFollowsTheAssignment) {
  ServiceMetrics metrics(BuildInfo{"1", "1"});
  metrics.set_consumer_lags({{{"mask_input", 0}, 5}, {{"mask_input", 1}, 0}});
  std::string text = metrics.text();
  EXPECT_EQ(line_of(text, R"(maskcomponent_consumer_lag_messages{partition="0",topic="mask_input"})"),
            R"(maskcomponent_consumer_lag_messages{partition="0",topic="mask_input"} 5)");
  metrics.set_consumer_lags({{{"mask_input", 1}, 7}});  // partition 0 revoked
  text = metrics.text();
  EXPECT_EQ(line_of(text, R"(maskcomponent_consumer_lag_messages{partition="0",topic="mask_input"})"), "") << text;
  EXPECT_EQ(line_of(text, R"(maskcomponent_consumer_lag_messages{partition="1",topic="mask_input"})"),
            R"(maskcomponent_consumer_lag_messages{partition="1",topic="mask_input"} 7)");
}

// Kafka is down for operators both when no broker is up and when results
// cannot be published (a missing output topic, authorisation refused).
TEST(ServiceMetrics, KafkaIsDownWhileResultsCannotBePublished) {
  ServiceMetrics metrics(BuildInfo{"1", "1"});
  const std::string series = R"(maskcomponent_dependency_up{dependency="kafka"})";
  metrics.set_kafka_brokers_up(true);
  EXPECT_EQ(line_of(metrics.text(), series), series + " 1");
  metrics.set_kafka_publishing(false);
  EXPECT_EQ(line_of(metrics.text(), series), series + " 0");
  metrics.set_kafka_brokers_up(true);  // the next statistics: brokers up, publishing still failing
  EXPECT_EQ(line_of(metrics.text(), series), series + " 0");
  metrics.set_kafka_publishing(true);
  EXPECT_EQ(line_of(metrics.text(), series), series + " 1");
  metrics.set_kafka_brokers_up(false);
  EXPECT_EQ(line_of(metrics.text(), series), series + " 0");
}

}  // namespace
}  // namespace mc::service

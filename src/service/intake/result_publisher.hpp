#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include "service/operations/dependency_waits.hpp"
#include "service/operations/health.hpp"
#include "service/operations/json_log.hpp"
#include "service/operations/metrics.hpp"
#include "service/operations/outcome.hpp"
#include "service/intake/outcome_publisher.hpp"
#include "service/operations/retry_policy.hpp"
#include "service/settings/service_settings.hpp"
#include "service/operations/shutdown.hpp"

namespace mc::service {

// Publishes outcomes with an idempotent producer (acks=all): the result to
// KAFKA_TOPIC_OUTPUT, then the poison message, if any, to
// KAFKA_TOPIC_POISON, each keyed by user_id and waited for until the broker
// acknowledges it. A message the broker refuses as too large is not retried
// as it is: a poison message is made again with its original cut to
// POISON_ORIGINAL_MAX_BYTES; what is still refused is dropped and counted.
// A broker outage is retried with backoff (counted in DependencyWaits,
// which pauses intake; while it lasts /readyz fails and Kafka's
// dependency_up is 0, its reason logged once); a fatal producer error stops
// the service.
// Serves its delivery reports on a thread of its own. Thread-safe.
class ResultPublisher final : public OutcomePublisher {
 public:
  ResultPublisher(const ServiceSettings& settings, RetryPolicy& retry, DependencyWaits& waits, StopState& stop,
                  ServiceMetrics& metrics, HealthState& health, spdlog::logger& log, RdKafka::EventCb& events);
  ~ResultPublisher() override;
  ResultPublisher(const ResultPublisher&) = delete;
  ResultPublisher& operator=(const ResultPublisher&) = delete;

  // Throws Abandoned when shutdown's grace ended (or a fatal error) before
  // the broker acknowledged: the message is then delivered again.
  void deliver(const Outcome& outcome) override;
  void count_dropped() override;
  [[nodiscard]] long dropped() const override { return dropped_.load(); }
  // Waits up to `timeout` for what is still queued.
  void flush(std::chrono::milliseconds timeout);
  // Asks the brokers about the result and poison topics: one phrase per
  // topic that cannot be published to ("mask_output does not exist"), or
  // nullopt when no broker answered within `timeout`. A broker that
  // creates topics itself (auto.create.topics.enable) creates them now.
  std::optional<std::vector<std::string>> unusable_topics(std::chrono::milliseconds timeout);

 private:
  class DeliveryReports;
  // False when the broker refused `payload` as too large.
  bool publish(const std::string& topic, const std::string& key, const std::string& payload);
  void drop(const char* what, const std::string& topic);
  // Publishing to `topic` failed with `reason` (logged when it is new for
  // the topic), or went through again (logged when it had failed).
  void publish_failed(const std::string& topic, const std::string& reason);
  void publish_succeeded(const std::string& topic);

  const ServiceSettings& settings_;
  RetryPolicy& retry_;
  DependencyWaits& waits_;
  StopState& stop_;
  ServiceMetrics& metrics_;
  HealthState& health_;
  StageLog log_;
  std::unique_ptr<DeliveryReports> deliveries_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<long> dropped_{0};
  std::atomic<bool> done_{false};
  std::mutex failing_mutex_;
  std::map<std::string, std::string> failing_;  // topic -> the reason its last publication failed
  std::thread poller_;
};

}  // namespace mc::service

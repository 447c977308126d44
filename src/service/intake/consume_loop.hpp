#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include "service/operations/health.hpp"
#include "service/intake/intake_gate.hpp"
#include "service/operations/json_log.hpp"
#include "service/intake/message_guard.hpp"
#include "service/operations/metrics.hpp"
#include "service/intake/offset_tracker.hpp"
#include "service/intake/partition_assignment.hpp"
#include "service/intake/result_publisher.hpp"
#include "service/settings/service_settings.hpp"
#include "service/operations/shutdown.hpp"
#include "service/intake/user_ordered_executor.hpp"

namespace mc::service {

// The consumer of KAFKA_TOPIC_INPUT, after librdkafka's
// rdkafka_complex_consumer_example: one loop that polls until the stop flag
// is set, explicit rebalance handling, an orderly close.
//  - Each message is parsed once and handed to a worker (MessageGuard) in
//    its user's lane (UserOrderedExecutor), under its partition's current
//    PartitionAssignment.
//  - After each poll, the offsets finished under current assignments go to
//    the OffsetTracker, its committable prefix is stored (librdkafka commits
//    it), and intake is paused or resumed as IntakeGate says.
//  - An assignment pauses or resumes the new partitions to match intake. A
//    revocation drops the partitions' queued work, waits for their running
//    work (REBALANCE_WAIT_SECONDS at most), commits what finished, and lets
//    them go.
//  - Nothing is consumed until the result and poison topics exist: a
//    request taken before it could be answered would be computed, stored
//    and then held unanswered (readiness names the missing topics).
//  - run() returns when StopState::stopping is set and the work in flight
//    has finished (or SHUTDOWN_GRACE_SECONDS passed): offsets stored and
//    committed, group left, producer flushed.
// A failure it cannot recover from (a fatal Kafka error, a failed
// assignment) stops the service with exit code 1.
class ConsumeLoop : public RdKafka::RebalanceCb {
 public:
  ConsumeLoop(const ServiceSettings& settings, MessageGuard& guard, FinishedOffsets& finished,
              const DependencyWaits& waits, ResultPublisher& publisher, RdKafka::EventCb& events, StopState& stop,
              ServiceMetrics& metrics, HealthState& health, spdlog::logger& log);
  ~ConsumeLoop() override;
  ConsumeLoop(const ConsumeLoop&) = delete;
  ConsumeLoop& operator=(const ConsumeLoop&) = delete;

  void run();

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode code,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;

 private:
  // Returns when the brokers say the result and poison topics exist (true)
  // or when the service stops first (false).
  bool wait_for_result_topics();
  void assign(RdKafka::KafkaConsumer& consumer, std::vector<RdKafka::TopicPartition*>& partitions);
  void revoke(RdKafka::KafkaConsumer& consumer, std::vector<RdKafka::TopicPartition*>& partitions);
  // Waits (REBALANCE_WAIT_SECONDS at most) for the running work of `revoked`;
  // returns how many messages still run.
  int wait_for_running(const std::vector<std::shared_ptr<PartitionAssignment>>& revoked);
  void handle(RdKafka::Message& message, UserOrderedExecutor& workers);
  // Moves finished offsets of current assignments into the tracker, stores
  // what became committable, and pauses or resumes intake.
  void settle();
  void store_committable();
  // Pauses or resumes the whole assignment (consume() keeps the group alive).
  void set_paused(bool paused);
  void commit();
  // Waits, polling, for the work in flight (until the grace period ends),
  // commits, and leaves the group.
  void drain_and_close();

  const ServiceSettings& settings_;
  MessageGuard& guard_;
  FinishedOffsets& finished_;
  ResultPublisher& publisher_;
  StopState& stop_;
  ServiceMetrics& metrics_;
  HealthState& health_;
  StageLog service_log_;
  StageLog kafka_log_;
  IntakeGate intake_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  // The consume thread's alone (rebalances run inside its polls):
  OffsetTracker tracker_;
  std::map<Partition, std::shared_ptr<PartitionAssignment>> assignments_;
  bool paused_ = false;
  UserOrderedExecutor* workers_ = nullptr;  // while run() consumes
};

}  // namespace mc::service

#pragma once

#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

#include "service/operations/dependency_waits.hpp"
#include "service/operations/health.hpp"
#include "service/operations/metrics.hpp"
#include "service/processing/request_processor.hpp"
#include "service/settings/service_settings.hpp"

namespace mc::service {

// How long a stopping service may run past SHUTDOWN_GRACE_SECONDS before it
// is ended by force (serve's watchdog).
std::chrono::seconds shutdown_margin();

// `maskcomponent serve`: consumes mask_input, processes each request, and
// publishes its result to mask_output (and hopeless messages to
// mask_input_poison), at least once:
//  - an offset is stored only when its message and every earlier message of
//    its partition are finished (result acknowledged by the broker);
//  - at most SERVICE_CONCURRENCY messages run at once: beyond that, or while
//    S3, PostgreSQL or Kafka is down, the consumer pauses its partitions and
//    keeps polling, so the group never times it out;
//  - a revoked partition's queued work is dropped, its running work waited
//    for (REBALANCE_WAIT_SECONDS at most), its finished prefix committed,
//    and nothing of it is committed afterwards;
//  - requests of one user_id are processed in the order consumed;
//  - every message gets one outcome, whatever its bytes; an outcome too large
//    for the broker is sent once more with original_message truncated, then
//    dropped and counted; a fatal Kafka error stops the service (exit 1).
// run() returns when stop.stopping is set and in-flight work has finished
// (or the grace period ended): offsets stored and committed, producer
// flushed, group left.
// The parts: ConsumeLoop (the consumer, rebalances, offsets, intake),
// MessageGuard (each message's outcome, on a worker), ResultPublisher (the
// producer) and KafkaEvents (librdkafka's logs, errors and statistics).
class KafkaService {
 public:
  // Reports into `metrics` and `health` (consume loop polls, group
  // membership, shutdown, consumer lag); pauses intake while `waits` counts
  // a worker waiting for a dependency.
  KafkaService(const ServiceSettings& settings, RequestProcessor& processor, RetryPolicy& retry, DependencyWaits& waits,
               spdlog::logger& log, StopState& stop, ServiceMetrics& metrics, HealthState& health);
  ~KafkaService();
  KafkaService(const KafkaService&) = delete;
  KafkaService& operator=(const KafkaService&) = delete;

  void run();

 private:
  class Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace mc::service

#pragma once

#include <memory>

#include <spdlog/spdlog.h>

#include "app/request_processor.hpp"
#include "app/service_settings.hpp"

namespace mc::app {

// `maskcomponent serve`: consumes mask_input, processes each request, and
// publishes its result to mask_output (and hopeless messages to
// mask_input_poison), at least once:
//  - an offset is stored only when its message and every earlier message of
//    its partition are finished (result acknowledged by the broker);
//  - at most SERVICE_CONCURRENCY messages are in flight: beyond that, or while
//    S3 or PostgreSQL is down, the consumer pauses its partitions and keeps
//    polling, so the group never times it out;
//  - revoked partitions get their finished prefix committed, nothing more;
//  - requests of one user are processed in the order consumed.
// run() returns when stop.stopping is set and in-flight work has finished
// (or the grace period ended): offsets stored and committed, producer
// flushed, group left.
class KafkaService {
 public:
  KafkaService(const ServiceSettings& settings, RequestProcessor& processor, spdlog::logger& log, StopState& stop);
  ~KafkaService();
  KafkaService(const KafkaService&) = delete;
  KafkaService& operator=(const KafkaService&) = delete;

  void run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mc::app

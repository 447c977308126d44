#pragma once

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include "service/json_log.hpp"
#include "service/metrics.hpp"
#include "service/shutdown.hpp"

namespace mc::service {

// librdkafka's own log lines and errors, as JSON lines, and its statistics,
// as metrics (consumer lag, Kafka up or down). A fatal error (the idempotent
// producer or the consumer can no longer keep its guarantees) stops the
// service with a non-zero exit, so that it is restarted. Serves the producer
// and the consumer; nothing escapes into librdkafka.
class KafkaEvents : public RdKafka::EventCb {
 public:
  KafkaEvents(spdlog::logger& log, StopState& stop, ServiceMetrics& metrics)
      : log_(log, "kafka"), stop_(stop), metrics_(metrics) {}
  void event_cb(RdKafka::Event& event) override;

 private:
  void report(RdKafka::Event& event);

  StageLog log_;
  StopState& stop_;
  ServiceMetrics& metrics_;
};

}  // namespace mc::service

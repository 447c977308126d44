#pragma once

#include <atomic>

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include "service/operations/json_log.hpp"
#include "service/operations/metrics.hpp"
#include "service/operations/shutdown.hpp"

namespace mc::service {

// librdkafka's own log lines and errors, as JSON lines, and its statistics,
// as metrics (consumer lag, Kafka up or down). A fatal error (the idempotent
// producer or the consumer can no longer keep its guarantees) stops the
// service with a non-zero exit, so that it is restarted. Serves the producer
// and the consumer; nothing escapes into librdkafka.
// The brokers refusing our credentials (SASL) or our trust in their
// certificate (TLS) `refusals_before_stop` times with no broker up in
// between will not heal by retrying: the service stops with exit 3 and one
// message naming Kafka authentication or TLS (never the password).
class KafkaEvents : public RdKafka::EventCb {
 public:
  KafkaEvents(spdlog::logger& log, StopState& stop, ServiceMetrics& metrics, int refusals_before_stop = 3)
      : log_(log, "kafka"), stop_(stop), metrics_(metrics), refusals_before_stop_(refusals_before_stop) {}
  void event_cb(RdKafka::Event& event) override;

 private:
  void report(RdKafka::Event& event);
  // True when the event was such a refusal (logged, and counted towards the stop).
  bool stop_on_refusal(RdKafka::Event& event);

  StageLog log_;
  StopState& stop_;
  ServiceMetrics& metrics_;
  int refusals_before_stop_;
  std::atomic<int> refusals_{0};
};

}  // namespace mc::service

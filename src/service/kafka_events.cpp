#include "service/kafka_events.hpp"

#include "adapters/kafka_statistics.hpp"
#include "service/json_log.hpp"

namespace mc::service {

void KafkaEvents::event_cb(RdKafka::Event& event) {
  try {
    report(event);
  } catch (...) {
    // Nothing may unwind into librdkafka's C frames.
  }
}

void KafkaEvents::report(RdKafka::Event& event) {
  if (event.type() == RdKafka::Event::EVENT_STATS) {
    const adapters::KafkaStatistics statistics = adapters::parse_kafka_statistics(event.str());
    metrics_.set_consumer_lags(statistics.consumer_lags);
    metrics_.set_kafka_brokers_up(statistics.brokers_up > 0);
    return;
  }
  if (event.type() == RdKafka::Event::EVENT_ERROR) {
    if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) metrics_.set_kafka_brokers_up(false);
    if (event.fatal()) {
      log_json(log_, spdlog::level::critical, "fatal Kafka error: " + event.str(),
               {{"stage", "kafka"}, {"event", "kafka_fatal"}, {"code", RdKafka::err2str(event.err())}});
      stop_.fail(core::ExitCode::kFatal);
      return;
    }
    log_json(log_, spdlog::level::warn, event.str(),
             {{"stage", "kafka"}, {"event", "kafka_error"}, {"code", RdKafka::err2str(event.err())}});
  } else if (event.type() == RdKafka::Event::EVENT_LOG && event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
    log_json(log_, spdlog::level::warn, event.str(), {{"stage", "kafka"}, {"event", "kafka_log"}});
  }
}

}  // namespace mc::service

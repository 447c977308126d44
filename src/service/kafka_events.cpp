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
    if (statistics.brokers_up > 0) refusals_ = 0;  // a broker took us: what was refused was passing
    return;
  }
  if (event.type() == RdKafka::Event::EVENT_ERROR) {
    if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) metrics_.set_kafka_brokers_up(false);
    if (stop_on_refusal(event)) return;
    if (event.fatal()) {
      log_json(log_, spdlog::level::critical, "fatal Kafka error: " + event.str(),
               {{"stage", "kafka"}, {"event", "kafka_fatal"}, {"code", RdKafka::err2str(event.err())}});
      stop_.fail(1);
      return;
    }
    log_json(log_, spdlog::level::warn, event.str(),
             {{"stage", "kafka"}, {"event", "kafka_error"}, {"code", RdKafka::err2str(event.err())}});
  } else if (event.type() == RdKafka::Event::EVENT_LOG && event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
    log_json(log_, spdlog::level::warn, event.str(), {{"stage", "kafka"}, {"event", "kafka_log"}});
  }
}

bool KafkaEvents::stop_on_refusal(RdKafka::Event& event) {
  std::string what;
  if (event.err() == RdKafka::ERR__AUTHENTICATION) {
    what = "Kafka authentication failed: " + event.str() +
           " (check KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_USERNAME and KAFKA_PASSWORD)";
  } else if (event.err() == RdKafka::ERR__SSL) {
    what = "Kafka TLS connection failed: " + event.str() +
           " (check KAFKA_SECURITY_PROTOCOL and KAFKA_SSL_CA_LOCATION, the CA that signed the brokers' certificates)";
  } else {
    return false;
  }
  const int refusals = ++refusals_;
  if (refusals < refusals_before_stop_) {
    log_json(log_, spdlog::level::warn, what,
             {{"stage", "kafka"}, {"event", "kafka_refused"}, {"code", RdKafka::err2str(event.err())}});
    return true;
  }
  if (refusals == refusals_before_stop_) {
    log_json(log_, spdlog::level::critical,
             "Kafka refused the connection " + std::to_string(refusals) + " times, stopping: " + what,
             {{"stage", "kafka"}, {"event", "kafka_refused_stop"}, {"code", RdKafka::err2str(event.err())}});
    stop_.fail(3);
  }
  return true;
}

}  // namespace mc::service

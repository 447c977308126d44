#include "service/intake/kafka_events.hpp"

#include "adapters/kafka_statistics.hpp"
#include "service/operations/json_log.hpp"

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
      log_.log(spdlog::level::critical, "kafka_fatal", "fatal Kafka error: " + event.str(),
               {{"code", RdKafka::err2str(event.err())}});
      stop_.fail(core::ExitCode::kFatal);
      return;
    }
    log_.warn("kafka_error", event.str(), {{"code", RdKafka::err2str(event.err())}});
  } else if (event.type() == RdKafka::Event::EVENT_LOG && event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
    log_.warn("kafka_log", event.str());
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
    log_.warn("kafka_refused", what, {{"code", RdKafka::err2str(event.err())}});
    return true;
  }
  if (refusals == refusals_before_stop_) {
    log_.log(spdlog::level::critical, "kafka_refused_stop",
             "Kafka refused the connection " + std::to_string(refusals) + " times, stopping: " + what,
             {{"code", RdKafka::err2str(event.err())}});
    stop_.fail(core::ExitCode::kFailure);
  }
  return true;
}

}  // namespace mc::service

#include "adapters/kafka_config.hpp"

namespace mc::adapters {

void set_kafka_property(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string error;
  if (conf.set(name, value, error) != RdKafka::Conf::CONF_OK) {
    throw core::SetupError("Kafka setting " + name + ": " + error);
  }
}

std::unique_ptr<RdKafka::Conf> kafka_client_conf(const KafkaSettings& kafka) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  set_kafka_property(*conf, "bootstrap.servers", kafka.bootstrap_servers);
  // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, as the Python service's
  // KAFKA_SECURITY_PROTOCOL (checked by the settings).
  set_kafka_property(*conf, "security.protocol", kafka.security_protocol);
  if (kafka.security_protocol.rfind("SASL", 0) == 0) {
    // Only with SASL: librdkafka would otherwise ignore them silently.
    set_kafka_property(*conf, "sasl.mechanisms", kafka.sasl_mechanism);
    set_kafka_property(*conf, "sasl.username", kafka.username);
    set_kafka_property(*conf, "sasl.password", kafka.password);
  }
  // A private CA (SSL, SASL_SSL); without it librdkafka trusts the system's CAs.
  if (!kafka.ssl_ca_location.empty()) set_kafka_property(*conf, "ssl.ca.location", kafka.ssl_ca_location);
  // Names us in the brokers' logs and quotas.
  set_kafka_property(*conf, "client.id", "maskcomponent");
  return conf;
}

std::unique_ptr<RdKafka::Conf> kafka_consumer_conf(const KafkaSettings& kafka) {
  auto conf = kafka_client_conf(kafka);
  set_kafka_property(*conf, "group.id", kafka.consumer_group);
  // A group without committed offsets starts at the oldest request kept, so
  // none published before its first start is skipped (docs/compatibility.md).
  set_kafka_property(*conf, "auto.offset.reset", "earliest");
  // Eager range/roundrobin (librdkafka's and kafka-python's default, so
  // Python and C++ instances can share a group while migrating), not
  // cooperative-sticky: Debian's librdkafka 2.0.2 aborts in
  // rd_kafka_destroy() when a cooperative-sticky member closes between
  // joining and its first assignment (librdkafka issue 4312, fixed in 2.3).
  // The service's rebalance callback serves either protocol.
  set_kafka_property(*conf, "partition.assignment.strategy", "range,roundrobin");
  // At least once: an offset is stored by the service only when its message
  // and every earlier one of its partition are finished...
  set_kafka_property(*conf, "enable.auto.offset.store", "false");
  // ... and librdkafka commits what was stored, every second (and the
  // service synchronously on revocation and at shutdown).
  set_kafka_property(*conf, "enable.auto.commit", "true");
  set_kafka_property(*conf, "auto.commit.interval.ms", "1000");
  // How soon the group notices a member that died without leaving.
  set_kafka_property(*conf, "session.timeout.ms", std::to_string(kafka.session_timeout_ms));
  // Consumer lag and broker states for the metrics.
  set_kafka_property(*conf, "statistics.interval.ms", std::to_string(kStatisticsIntervalMs));
  // Explicit, because REBALANCE_WAIT_SECONDS is bounded by it.
  set_kafka_property(*conf, "max.poll.interval.ms", std::to_string(kMaxPollIntervalMs));
  return conf;
}

std::unique_ptr<RdKafka::Conf> kafka_producer_conf(const KafkaSettings& kafka) {
  auto conf = kafka_client_conf(kafka);
  // Retries inside librdkafka neither duplicate nor reorder a result.
  set_kafka_property(*conf, "enable.idempotence", "true");
  // A result counts as published (and its offset as finished) only once every
  // in-sync replica has it: a broker failing over loses none.
  set_kafka_property(*conf, "acks", "all");
  // Results of concurrent workers share a request to the broker; 5 ms is
  // nothing next to a request's seconds of inference.
  set_kafka_property(*conf, "linger.ms", "5");
  return conf;
}

std::unique_ptr<RdKafka::Conf> kafka_result_reader_conf(const KafkaSettings& kafka, const std::string& group) {
  auto conf = kafka_client_conf(kafka);
  // A group of its own, so that it takes no partitions from the service's.
  set_kafka_property(*conf, "group.id", group);
  // It reads from offsets it assigned itself; committing them would only
  // leave an empty group's offsets behind on the broker.
  set_kafka_property(*conf, "enable.auto.commit", "false");
  return conf;
}

std::unique_ptr<RdKafka::Conf> kafka_request_producer_conf(const KafkaSettings& kafka) {
  auto conf = kafka_client_conf(kafka);
  // librdkafka's own retries send the request once.
  set_kafka_property(*conf, "enable.idempotence", "true");
  return conf;
}

}  // namespace mc::adapters

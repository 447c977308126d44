#include "adapters/kafka_config.hpp"

#include "core/errors.hpp"

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
  set_kafka_property(*conf, "security.protocol", kafka.security_protocol);
  if (kafka.security_protocol.rfind("SASL", 0) == 0) {
    set_kafka_property(*conf, "sasl.mechanisms", kafka.sasl_mechanism);
    set_kafka_property(*conf, "sasl.username", kafka.username);
    set_kafka_property(*conf, "sasl.password", kafka.password);
  }
  // A private CA (SSL, SASL_SSL); without it librdkafka trusts the system's CAs.
  if (!kafka.ssl_ca_location.empty()) set_kafka_property(*conf, "ssl.ca.location", kafka.ssl_ca_location);
  set_kafka_property(*conf, "client.id", "maskcomponent");
  return conf;
}

}  // namespace mc::adapters

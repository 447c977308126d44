#pragma once

#include <memory>
#include <string>

#include <librdkafka/rdkafkacpp.h>

namespace mc::adapters {

// The KAFKA_* variables (the Python service's names and defaults).
struct KafkaSettings {
  std::string bootstrap_servers;                       // KAFKA_BOOTSTRAP_SERVERS (required)
  std::string input_topic = "mask_input";              // KAFKA_TOPIC_INPUT
  std::string output_topic = "mask_output";            // KAFKA_TOPIC_OUTPUT
  std::string poison_topic = "mask_input_poison";      // KAFKA_TOPIC_POISON
  std::string consumer_group = "maskcomponent-group";  // KAFKA_CONSUMER_GROUP
  std::string security_protocol = "PLAINTEXT";         // KAFKA_SECURITY_PROTOCOL
  std::string sasl_mechanism = "PLAIN";                // KAFKA_SASL_MECHANISM
  std::string username;                                // KAFKA_USERNAME
  std::string password;                                // KAFKA_PASSWORD (never logged)
  std::string ssl_ca_location;                         // KAFKA_SSL_CA_LOCATION (ours; "": the system's CAs)
  int session_timeout_ms = 45000;                      // KAFKA_SESSION_TIMEOUT_MS (serve's consumer)
};

// The bounds a broker puts on a member's session timeout by default:
// group.min.session.timeout.ms is 6 000; group.max.session.timeout.ms is
// 300 000 on older brokers (1 800 000 on newer ones), so the lower is taken.
// A value outside them makes every JoinGroup fail.
inline constexpr int kMinSessionTimeoutMs = 6000;
inline constexpr int kMaxSessionTimeoutMs = 300000;
// librdkafka's max.poll.interval.ms, set explicitly by serve's consumer: a
// member that does not poll for this long leaves the group. The rebalance
// callback waits for running work inside a poll, so REBALANCE_WAIT_SECONDS
// must stay below it.
inline constexpr int kMaxPollIntervalMs = 300000;

// Sets a librdkafka property; a refused one is a core::SetupError.
void set_kafka_property(RdKafka::Conf& conf, const std::string& name, const std::string& value);

// bootstrap.servers, security.protocol and SASL settings from KAFKA_*.
std::unique_ptr<RdKafka::Conf> kafka_client_conf(const KafkaSettings& kafka);

}  // namespace mc::adapters

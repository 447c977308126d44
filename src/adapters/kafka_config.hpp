#pragma once

#include <memory>
#include <string>

#include <librdkafka/rdkafkacpp.h>

#include "core/errors.hpp"

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
// How often librdkafka reports its statistics (consumer lag, broker states)
// to the event callback.
inline constexpr int kStatisticsIntervalMs = 5000;

// Every librdkafka property the project sets is set in this file, each with
// the reason beside it; the callbacks are the service's objects.

// Sets a librdkafka property; a refused one is a core::SetupError naming it.
void set_kafka_property(RdKafka::Conf& conf, const std::string& name, const std::string& value);

// Hands librdkafka one of the service's callback objects ("rebalance_cb",
// "event_cb", "dr_cb"); a refused one is a core::SetupError.
template <typename Callback>
void set_kafka_callback(RdKafka::Conf& conf, const std::string& name, Callback* callback) {
  std::string error;
  if (conf.set(name, callback, error) != RdKafka::Conf::CONF_OK) {
    throw core::SetupError("Kafka callback " + name + ": " + error);
  }
}

// What every client of ours shares: the brokers, the security protocol with
// its SASL credentials (from KAFKA_*), and our client.id.
std::unique_ptr<RdKafka::Conf> kafka_client_conf(const KafkaSettings& kafka);

// serve's consumer of KAFKA_TOPIC_INPUT in KAFKA_CONSUMER_GROUP: offsets
// stored by the service once a message and all before it are finished, and
// committed by librdkafka from those stored offsets.
std::unique_ptr<RdKafka::Conf> kafka_consumer_conf(const KafkaSettings& kafka);

// serve's producer of results and poison messages: idempotent, every
// message acknowledged by all in-sync replicas.
std::unique_ptr<RdKafka::Conf> kafka_producer_conf(const KafkaSettings& kafka);

// `send --wait`'s reader of KAFKA_TOPIC_OUTPUT: a group of its own that
// never commits (it reads from the end it looked up itself).
std::unique_ptr<RdKafka::Conf> kafka_result_reader_conf(const KafkaSettings& kafka, const std::string& group);

// `send`'s producer of one request.
std::unique_ptr<RdKafka::Conf> kafka_request_producer_conf(const KafkaSettings& kafka);

}  // namespace mc::adapters

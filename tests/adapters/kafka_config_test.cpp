// The librdkafka configurations we build, read back property by property
// without a broker: what at-least-once delivery, the group's assignment and
// the producer's guarantees rest on, and where the credentials go.
#include "adapters/kafka_config.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace mc::adapters {
namespace {

// The value librdkafka holds for `name`, or "(unset)".
std::string property(const RdKafka::Conf& conf, const std::string& name) {
  std::string value;
  if (conf.get(name, value) != RdKafka::Conf::CONF_OK) return "(unset)";
  return value;
}

KafkaSettings sasl_settings() {
  KafkaSettings kafka;
  kafka.bootstrap_servers = "127.0.0.1:1";
  kafka.security_protocol = "SASL_SSL";
  kafka.sasl_mechanism = "SCRAM-SHA-512";
  kafka.username = "masks";
  kafka.password = "pa55-w0rd-never-shown";
  return kafka;
}

TEST(KafkaConfig, ConsumerStoresOffsetsOnlyWhenTheServiceSaysSoAndJoinsEagerly) {
  KafkaSettings kafka;
  kafka.bootstrap_servers = "127.0.0.1:1";
  kafka.consumer_group = "masks-group";
  kafka.session_timeout_ms = 12000;
  const auto conf = kafka_consumer_conf(kafka);
  EXPECT_EQ(property(*conf, "bootstrap.servers"), "127.0.0.1:1");
  EXPECT_EQ(property(*conf, "group.id"), "masks-group");
  EXPECT_EQ(property(*conf, "enable.auto.offset.store"), "false");
  EXPECT_EQ(property(*conf, "enable.auto.commit"), "true");
  EXPECT_EQ(property(*conf, "auto.commit.interval.ms"), "1000");
  EXPECT_EQ(property(*conf, "auto.offset.reset"), "smallest");  // librdkafka's spelling of "earliest"
  EXPECT_EQ(property(*conf, "partition.assignment.strategy"), "range,roundrobin");
  EXPECT_EQ(property(*conf, "session.timeout.ms"), "12000");
  EXPECT_EQ(property(*conf, "max.poll.interval.ms"), std::to_string(kMaxPollIntervalMs));
  EXPECT_EQ(property(*conf, "statistics.interval.ms"), "5000");
  EXPECT_EQ(property(*conf, "client.id"), "maskcomponent");
}

TEST(KafkaConfig, ProducerIsIdempotentAndWaitsForEveryInSyncReplica) {
  KafkaSettings kafka;
  kafka.bootstrap_servers = "127.0.0.1:1";
  const auto conf = kafka_producer_conf(kafka);
  EXPECT_EQ(property(*conf, "enable.idempotence"), "true");
  EXPECT_EQ(property(*conf, "acks"), "-1");  // librdkafka's spelling of "all"
  EXPECT_EQ(property(*conf, "linger.ms"), "5");
  EXPECT_EQ(property(*conf, "client.id"), "maskcomponent");
}

TEST(KafkaConfig, SendsReaderNeverCommitsAndItsProducerIsIdempotent) {
  KafkaSettings kafka;
  kafka.bootstrap_servers = "127.0.0.1:1";
  const auto reader = kafka_result_reader_conf(kafka, "send-123");
  EXPECT_EQ(property(*reader, "group.id"), "send-123");
  EXPECT_EQ(property(*reader, "enable.auto.commit"), "false");
  EXPECT_EQ(property(*kafka_request_producer_conf(kafka), "enable.idempotence"), "true");
}

TEST(KafkaConfig, SaslSettingsMapFromTheVariablesForEveryClient) {
  const KafkaSettings kafka = sasl_settings();
  std::vector<std::unique_ptr<RdKafka::Conf>> confs;
  confs.push_back(kafka_consumer_conf(kafka));
  confs.push_back(kafka_producer_conf(kafka));
  confs.push_back(kafka_result_reader_conf(kafka, "send"));
  for (const auto& conf : confs) {
    EXPECT_EQ(property(*conf, "security.protocol"), "sasl_ssl");
    EXPECT_EQ(property(*conf, "sasl.mechanisms"), "SCRAM-SHA-512");
    EXPECT_EQ(property(*conf, "sasl.username"), "masks");
    EXPECT_EQ(property(*conf, "sasl.password"), "pa55-w0rd-never-shown");
  }
}

TEST(KafkaConfig, PlaintextSetsNoCredentials) {
  KafkaSettings kafka;
  kafka.bootstrap_servers = "127.0.0.1:1";
  kafka.username = "masks";  // set, but not used without SASL
  kafka.password = "unused";
  const auto conf = kafka_consumer_conf(kafka);
  EXPECT_EQ(property(*conf, "security.protocol"), "plaintext");
  EXPECT_EQ(property(*conf, "sasl.username"), "(unset)");
  EXPECT_EQ(property(*conf, "sasl.password"), "(unset)");
}

TEST(KafkaConfig, ARefusedSettingNamesItselfAndNeverShowsThePassword) {
  KafkaSettings kafka = sasl_settings();
  kafka.security_protocol = "SASL_TELEPATHY";
  try {
    (void)kafka_producer_conf(kafka);
    FAIL() << "an unknown security protocol was accepted";
  } catch (const core::SetupError& error) {
    const std::string text = error.what();
    EXPECT_NE(text.find("Kafka setting security.protocol"), std::string::npos) << text;
    EXPECT_EQ(text.find(kafka.password), std::string::npos) << text;
  }
  // Refused only when the client is made: the error librdkafka gives then
  // (the service prefixes it with "Kafka producer: ") carries no password.
  kafka = sasl_settings();
  kafka.sasl_mechanism = "TELEPATHY";
  const auto conf = kafka_producer_conf(kafka);
  std::string error;
  const std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  EXPECT_EQ(producer, nullptr);
  EXPECT_NE(error.find("TELEPATHY"), std::string::npos) << error;
  EXPECT_EQ(error.find(kafka.password), std::string::npos) << error;
}

}  // namespace
}  // namespace mc::adapters

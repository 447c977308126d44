// Apache Kafka nodes of the tests' own (scripts/kafka/secure_broker.sh and
// cluster.sh) from the test's side: starting them on free ports, creating
// topics, reading partition leaders and in-sync replicas.
#pragma once

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

#include "support/cli_run.hpp"
#include "support/local_services.hpp"

namespace mc::kafka_test {

// `count` distinct free ports on loopback, as "p1 p2 ...".
inline std::string free_ports(int count) {
  std::set<int> ports;
  while (static_cast<int>(ports.size()) < count) ports.insert(mc::test_support::free_port());
  std::string text;
  for (const int port : ports) text += (text.empty() ? "" : " ") + std::to_string(port);
  return text;
}

// The `export NAME=value` lines of a script's output.
inline std::map<std::string, std::string> exports(const std::string& output) {
  std::map<std::string, std::string> values;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("export ", 0) != 0) continue;
    const auto equals = line.find('=');
    values[line.substr(7, equals - 7)] = line.substr(equals + 1);
  }
  return values;
}

// Creates topics (every one, or fails the test) with the Admin API.
inline void create_topics(const std::string& bootstrap, const std::vector<std::string>& names, int partitions,
                          int replication, const std::map<std::string, std::string>& configs = {}) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error));
  rd_kafka_t* admin = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  ASSERT_NE(admin, nullptr) << error;
  std::vector<rd_kafka_NewTopic_t*> topics;
  for (const auto& name : names) {
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, replication, error, sizeof(error));
    for (const auto& [key, value] : configs) rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
    topics.push_back(topic);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(admin, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, 30000, error, sizeof(error));
  rd_kafka_CreateTopics(admin, topics.data(), topics.size(), options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 60000);
  std::string failure = event == nullptr ? "no answer in 60 s" : "";
  if (event != nullptr) {
    if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) failure = rd_kafka_event_error_string(event);
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        failure += std::string(rd_kafka_topic_result_name(results[i])) + ": " +
                   rd_kafka_topic_result_error_string(results[i]) + "; ";
      }
    }
    rd_kafka_event_destroy(event);
  }
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(admin);
  ASSERT_TRUE(failure.empty()) << "creating topics: " << failure;
}

struct PartitionState {
  int leader = -1;  // node id; -1 when none
  std::vector<int> in_sync;
};

// The partitions of `topic` as the brokers see them now (empty when no
// broker answered).
inline std::vector<PartitionState> partition_states(const std::string& bootstrap, const std::string& topic) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  conf->set("bootstrap.servers", bootstrap, error);
  std::unique_ptr<RdKafka::Producer> client(RdKafka::Producer::create(conf.get(), error));
  std::unique_ptr<RdKafka::Topic> handle(RdKafka::Topic::create(client.get(), topic, nullptr, error));
  RdKafka::Metadata* raw = nullptr;
  std::vector<PartitionState> states;
  if (client->metadata(false, handle.get(), &raw, 5000) != RdKafka::ERR_NO_ERROR || raw == nullptr) return states;
  const std::unique_ptr<RdKafka::Metadata> metadata(raw);
  for (const auto* found : *metadata->topics()) {
    if (found->topic() != topic) continue;
    states.resize(found->partitions()->size());
    for (const auto* partition : *found->partitions()) {
      PartitionState& state = states.at(static_cast<std::size_t>(partition->id()));
      state.leader = partition->err() == RdKafka::ERR_NO_ERROR ? partition->leader() : -1;
      state.in_sync.assign(partition->isrs()->begin(), partition->isrs()->end());
    }
  }
  return states;
}

// Polls `condition` every 200 ms until it holds or `timeout` passes.
template <typename Condition>
bool wait_for(Condition condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

}  // namespace mc::kafka_test

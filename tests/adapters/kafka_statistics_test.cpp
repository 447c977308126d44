#include "adapters/kafka_statistics.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace mc::adapters {
namespace {

// The shape of librdkafka 2.0's statistics (STATISTICS.md), cut down.
constexpr const char* kStatistics = R"({
  "name": "rdkafka#consumer-1", "type": "consumer",
  "brokers": {
    "127.0.0.1:9092/bootstrap": {"name": "127.0.0.1:9092/bootstrap", "nodeid": -1, "state": "UP"},
    "127.0.0.1:9092/1": {"name": "127.0.0.1:9092/1", "nodeid": 1, "state": "UP"},
    "127.0.0.1:9093/2": {"name": "127.0.0.1:9093/2", "nodeid": 2, "state": "DOWN"}
  },
  "topics": {
    "mask_input": {"topic": "mask_input", "partitions": {
      "0": {"partition": 0, "fetch_state": "active", "consumer_lag": 12, "hi_offset": 40},
      "1": {"partition": 1, "fetch_state": "active", "consumer_lag": 0},
      "2": {"partition": 2, "fetch_state": "none", "consumer_lag": -1},
      "3": {"partition": 3, "fetch_state": "stopped", "consumer_lag": 9},
      "4": {"partition": 4, "fetch_state": "offset-query", "consumer_lag": 3},
      "-1": {"partition": -1, "consumer_lag": -1}
    }}
  },
  "cgrp": {"state": "up", "join_state": "steady"}
})";

TEST(KafkaStatistics, ReadsTheLagOfEachPartitionWithAKnownLagAndTheBrokersUp) {
  const KafkaStatistics statistics = parse_kafka_statistics(kStatistics);
  // Partition 3 was revoked: librdkafka still reports its last lag.
  const std::map<std::pair<std::string, int>, std::int64_t> expected{
      {{"mask_input", 0}, 12}, {{"mask_input", 1}, 0}, {{"mask_input", 4}, 3}};
  EXPECT_EQ(statistics.consumer_lags, expected);
  EXPECT_EQ(statistics.brokers_up, 2);
}

TEST(KafkaStatistics, FieldsOfTheWrongTypeAreSkipped) {
  const KafkaStatistics statistics = parse_kafka_statistics(
      R"({"brokers": [1, 2], "topics": {"t": {"partitions": {"0": {"partition": "0", "consumer_lag": 3},
          "1": {"partition": 1, "consumer_lag": 2.5}, "2": [], "3": {"partition": 3, "consumer_lag": 4}}}}})");
  const std::map<std::pair<std::string, int>, std::int64_t> expected{{{"t", 3}, 4}};
  EXPECT_EQ(statistics.consumer_lags, expected);
  EXPECT_EQ(statistics.brokers_up, 0);
  EXPECT_TRUE(parse_kafka_statistics("{}").consumer_lags.empty());
}

TEST(KafkaStatistics, TextThatIsNotAJsonObjectIsRefused) {
  for (const char* text : {"", "[]", "not json", "{\"brokers\":", "\xff\xfe"}) {
    EXPECT_THROW(parse_kafka_statistics(text), core::InputError) << text;
  }
}

}  // namespace
}  // namespace mc::adapters

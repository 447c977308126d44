#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace mc::adapters {

// What the service reads from librdkafka's statistics JSON
// (statistics.interval.ms; the fields of librdkafka's STATISTICS.md).
struct KafkaStatistics {
  // (topic, partition) -> consumer_lag, for partitions being fetched (not
  // "none", "stopping" or "stopped": revoked) with a known lag.
  std::map<std::pair<std::string, int>, std::int64_t> consumer_lags;
  int brokers_up = 0;  // brokers (bootstrap and coordinator included) in state "UP"
};

// Reads the statistics; fields missing or of the wrong type are skipped.
// Throws core::InputError when `json` is not a JSON object.
KafkaStatistics parse_kafka_statistics(std::string_view json);

}  // namespace mc::adapters

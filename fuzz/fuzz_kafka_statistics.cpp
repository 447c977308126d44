// librdkafka's statistics JSON as the service reads it for its metrics (the
// consumer lag per partition, the brokers up). Any bytes: a clean
// core::InputError or a result, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/kafka_statistics.hpp"
#include "core/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const mc::adapters::KafkaStatistics statistics =
        mc::adapters::parse_kafka_statistics(std::string_view(reinterpret_cast<const char*>(data), size));
    for (const auto& [partition, lag] : statistics.consumer_lags) {
      if (partition.second < 0 || lag < 0) __builtin_trap();  // only known lags of real partitions
    }
  } catch (const mc::core::InputError&) {
  }
  return 0;
}

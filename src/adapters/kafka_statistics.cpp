#include "adapters/kafka_statistics.hpp"

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/json_text.hpp"

namespace mc::adapters {

KafkaStatistics parse_kafka_statistics(std::string_view json) {
  const std::optional<nlohmann::json> parsed = core::parse_json_text(json);
  if (!parsed || !parsed->is_object()) throw core::InputError("Kafka statistics: not a JSON object");
  const nlohmann::json& statistics = *parsed;
  KafkaStatistics read;
  if (const auto brokers = statistics.find("brokers"); brokers != statistics.end() && brokers->is_object()) {
    for (const auto& broker : brokers->items()) {
      const auto state = broker.value().find("state");
      if (broker.value().is_object() && state != broker.value().end() && *state == "UP") ++read.brokers_up;
    }
  }
  const auto topics = statistics.find("topics");
  if (topics == statistics.end() || !topics->is_object()) return read;
  for (const auto& topic : topics->items()) {
    if (!topic.value().is_object()) continue;
    const auto partitions = topic.value().find("partitions");
    if (partitions == topic.value().end() || !partitions->is_object()) continue;
    for (const auto& entry : partitions->items()) {
      const nlohmann::json& partition = entry.value();
      if (!partition.is_object()) continue;
      // librdkafka keeps reporting a partition it no longer fetches (revoked:
      // "stopped" or "none"), with a stale lag.
      const auto fetch_state = partition.find("fetch_state");
      if (fetch_state != partition.end() && fetch_state->is_string() &&
          (*fetch_state == "none" || *fetch_state == "stopping" || *fetch_state == "stopped")) {
        continue;
      }
      const auto id = partition.find("partition");
      const auto lag = partition.find("consumer_lag");
      if (id == partition.end() || lag == partition.end() || !id->is_number_integer() || !lag->is_number_integer()) {
        continue;
      }
      const std::int64_t number = id->get<std::int64_t>();
      // -1 is librdkafka's internal "unassigned" partition; a lag of -1 is unknown.
      if (number < 0 || number > INT32_MAX || lag->get<std::int64_t>() < 0) continue;
      read.consumer_lags[{topic.key(), static_cast<int>(number)}] = lag->get<std::int64_t>();
    }
  }
  return read;
}

}  // namespace mc::adapters

#pragma once

#include <memory>
#include <string>

#include <librdkafka/rdkafkacpp.h>

#include "app/service_settings.hpp"

namespace mc::app {

// Sets a librdkafka property; a refused one is a core::SetupError.
void set_kafka_property(RdKafka::Conf& conf, const std::string& name, const std::string& value);

// bootstrap.servers, security.protocol and SASL settings from KAFKA_*.
std::unique_ptr<RdKafka::Conf> kafka_client_conf(const KafkaSettings& kafka);

}  // namespace mc::app

#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "adapters/image_fetcher.hpp"
#include "app/storage_settings.hpp"
#include "core/mask_types.hpp"
#include "inference/human_analyzer.hpp"

namespace mc::app {

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
  int session_timeout_ms = 45000;                      // KAFKA_SESSION_TIMEOUT_MS (serve's consumer)
};

// Every variable of the seed's "Configuration" section plus ours (README).
struct ServiceSettings {
  KafkaSettings kafka;
  StorageSettings storage;
  inference::ModelSettings models;                 // CHECKPOINTS_DIR, GPU_ID, PARSING_*_OUTPUT, ORT_*
  int concurrency = 4;                             // SERVICE_CONCURRENCY (> 0)
  int max_retries = 5;                             // MAX_RETRIES (>= 0)
  std::vector<core::MaskType> default_mask_types;  // MASK_TYPES_DEFAULT
  int inference_instances = 1;                     // INFERENCE_INSTANCES
  std::chrono::milliseconds retry_base_delay{1000};  // RETRY_BASE_DELAY_MS
  std::chrono::milliseconds retry_max_delay{30000};  // RETRY_MAX_DELAY_MS
  std::chrono::seconds shutdown_grace{30};           // SHUTDOWN_GRACE_SECONDS
  int permanent_error_attempts = 3;                  // DEPENDENCY_PERMANENT_ATTEMPTS (>= 1)
  std::chrono::seconds rebalance_wait{15};           // REBALANCE_WAIT_SECONDS
  std::chrono::seconds claim_wait{120};              // CLAIM_WAIT_SECONDS
  int decode_concurrency = 1;                        // DECODE_CONCURRENCY (images decoded at once)
  std::size_t poison_original_max_bytes = 65536;     // POISON_ORIGINAL_MAX_BYTES
  adapters::FetchSettings fetch;                     // IMAGE_* settings
  std::uint64_t max_image_pixels = 40'000'000;       // MAX_IMAGE_PIXELS
  std::string log_level = "info";                    // LOG_LEVEL
};

// Reads everything, reporting every problem at once (core::SetupError).
ServiceSettings load_service_settings(const EnvironmentReader& environment);

// The Kafka variables alone (for `maskcomponent send`).
KafkaSettings load_kafka_settings(const EnvironmentReader& environment);

}  // namespace mc::app

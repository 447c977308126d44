#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "adapters/image_fetcher.hpp"
#include "adapters/kafka_config.hpp"
#include "service/settings/analysis_cache_settings.hpp"
#include "service/settings/http_api_settings.hpp"
#include "service/operations/retry_policy.hpp"
#include "service/settings/storage_settings.hpp"
#include "core/mask_types.hpp"
#include "inference/model_settings.hpp"

namespace mc::service {

using adapters::KafkaSettings;

// MAX_IMAGE_PIXELS' default, named because `generate` reads it without the rest.
inline constexpr std::uint64_t kDefaultMaxImagePixels = 40'000'000;

// Every variable of the Python service's configuration (docs/compatibility.md)
// plus ours (README). Each initialiser is its variable's default: the loader
// falls back to it, so a default is written here only.
struct ServiceSettings {
  KafkaSettings kafka;
  StorageSettings storage;
  inference::ModelSettings models;  // CHECKPOINTS_DIR, GPU_ID, PARSING_*_OUTPUT, ORT_*
  int concurrency = 4;              // SERVICE_CONCURRENCY (> 0)
  int max_retries = 5;              // MAX_RETRIES (>= 0)
  std::vector<core::MaskType> default_mask_types{core::kAllMaskTypes.begin(),
                                                 core::kAllMaskTypes.end()};  // MASK_TYPES_DEFAULT
  int inference_instances = 1;                                                // INFERENCE_INSTANCES
  RetrySettings retry;                      // RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS, DEPENDENCY_PERMANENT_ATTEMPTS
  std::chrono::seconds shutdown_grace{30};  // SHUTDOWN_GRACE_SECONDS
  std::chrono::seconds rebalance_wait{15};  // REBALANCE_WAIT_SECONDS
  std::chrono::seconds claim_wait{120};     // CLAIM_WAIT_SECONDS
  int decode_concurrency = 1;               // DECODE_CONCURRENCY (images decoded at once)
  std::size_t poison_original_max_bytes = 65536;            // POISON_ORIGINAL_MAX_BYTES
  adapters::FetchSettings fetch;                            // IMAGE_* settings
  std::uint64_t max_image_pixels = kDefaultMaxImagePixels;  // MAX_IMAGE_PIXELS
  std::string log_level = "info";                           // LOG_LEVEL
  // The operators' endpoint (/healthz, /readyz, /metrics).
  int metrics_port = 9108;  // METRICS_PORT (0: off)
  // METRICS_PORT or METRICS_BIND_ADDRESS given: an endpoint that cannot
  // listen fails start-up. The default one (0.0.0.0:9108) can only fail by
  // being taken (a second instance on the host): then only it is lost.
  bool metrics_port_given = false;
  std::string metrics_bind_address = "0.0.0.0";        // METRICS_BIND_ADDRESS
  std::chrono::seconds health_stall_limit{60};         // HEALTH_STALL_SECONDS
  std::chrono::seconds dependency_check_interval{10};  // DEPENDENCY_CHECK_INTERVAL_SECONDS
  HttpApiSettings http_api;                            // HTTP_API_*
  AnalysisCacheSettings analysis_cache;                // ANALYSIS_CACHE*
};

// Reads everything, reporting every problem at once (core::SetupError).
ServiceSettings load_service_settings(const EnvironmentReader& environment);

// The model variables (CHECKPOINTS_DIR, GPU_ID, PARSING_*_OUTPUT, ORT_*) and
// MAX_IMAGE_PIXELS, with the same defaults for `serve` and `generate`;
// problems are added to `reader`.
inference::ModelSettings read_model_settings(SettingsReader& reader);
std::uint64_t read_max_image_pixels(SettingsReader& reader);

// The Kafka variables alone (for `maskcomponent send`).
KafkaSettings load_kafka_settings(const EnvironmentReader& environment);

}  // namespace mc::service

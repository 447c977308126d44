#include "service/settings/service_settings.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/errors.hpp"

namespace mc::service {

namespace {
bool one_of(const std::string& value, std::initializer_list<const char*> allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const char* item) { return value == item; });
}

// A CA file (PEM) or a folder of them, as librdkafka's ssl.ca.location takes.
bool readable_path(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

KafkaSettings read_kafka_settings(SettingsReader& env) {
  KafkaSettings kafka;
  kafka.bootstrap_servers = env.required("KAFKA_BOOTSTRAP_SERVERS");
  kafka.input_topic = env.optional("KAFKA_TOPIC_INPUT", kafka.input_topic);
  kafka.output_topic = env.optional("KAFKA_TOPIC_OUTPUT", kafka.output_topic);
  kafka.poison_topic = env.optional("KAFKA_TOPIC_POISON", kafka.poison_topic);
  kafka.consumer_group = env.optional("KAFKA_CONSUMER_GROUP", kafka.consumer_group);
  kafka.security_protocol = env.optional("KAFKA_SECURITY_PROTOCOL", kafka.security_protocol);
  kafka.sasl_mechanism = env.optional("KAFKA_SASL_MECHANISM", kafka.sasl_mechanism);
  kafka.username = env.optional("KAFKA_USERNAME", kafka.username);
  kafka.password = env.secret("KAFKA_PASSWORD", kafka.password);
  kafka.ssl_ca_location = env.optional("KAFKA_SSL_CA_LOCATION", kafka.ssl_ca_location);
  if (!kafka.ssl_ca_location.empty() && !readable_path(kafka.ssl_ca_location)) {
    env.problem("KAFKA_SSL_CA_LOCATION names no readable file or folder (got \"" + kafka.ssl_ca_location + "\")");
  }
  if (!one_of(kafka.security_protocol, {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"})) {
    env.problem("KAFKA_SECURITY_PROTOCOL must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (got \"" +
                kafka.security_protocol + "\")");
  }
  if (kafka.security_protocol.rfind("SASL", 0) == 0) {
    if (!one_of(kafka.sasl_mechanism, {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})) {
      env.problem("KAFKA_SASL_MECHANISM must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (got \"" + kafka.sasl_mechanism +
                  "\")");
    }
    if (kafka.username.empty() || kafka.password.empty()) {
      env.problem("KAFKA_USERNAME and KAFKA_PASSWORD are required with KAFKA_SECURITY_PROTOCOL=" +
                  kafka.security_protocol);
    }
  }
  return kafka;
}

}  // namespace

inference::ModelSettings read_model_settings(SettingsReader& env) {
  inference::ModelSettings models;
  models.gpu_id = env.integer("GPU_ID", models.gpu_id, -1, 64);
  models.checkpoints_dir = env.optional("CHECKPOINTS_DIR", models.checkpoints_dir.string());
  models.atr_output = env.optional("PARSING_ATR_OUTPUT", models.atr_output);
  models.lip_output = env.optional("PARSING_LIP_OUTPUT", models.lip_output);
  const std::string pose_model = env.optional("POSE_MODEL", inference::pose_model_name(models.pose_model));
  try {
    models.pose_model = inference::parse_pose_model(pose_model);
  } catch (const core::SetupError& error) {
    env.problem(error.what());
  }
  models.runtime.intra_op_threads = env.integer("ORT_INTRA_OP_THREADS", models.runtime.intra_op_threads, 0, 256);
  models.runtime.inter_op_threads = env.integer("ORT_INTER_OP_THREADS", models.runtime.inter_op_threads, 1, 256);
  models.runtime.graph_optimization = env.optional("ORT_GRAPH_OPTIMIZATION", models.runtime.graph_optimization);
  if (!inference::is_graph_optimization(models.runtime.graph_optimization)) {
    env.problem("ORT_GRAPH_OPTIMIZATION must be disable, basic, extended, layout or all (got \"" +
                models.runtime.graph_optimization + "\")");
  }
  models.runtime.precision = env.optional("INFERENCE_PRECISION", models.runtime.precision);
  if (!inference::is_inference_precision(models.runtime.precision)) {
    env.problem("INFERENCE_PRECISION must be fp32 or bf16 (got \"" + models.runtime.precision + "\")");
  }
  return models;
}

std::uint64_t read_max_image_pixels(SettingsReader& env) {
  return env.integer("MAX_IMAGE_PIXELS", kDefaultMaxImagePixels, 1, 1L << 34);
}

KafkaSettings load_kafka_settings(const EnvironmentReader& environment) {
  SettingsReader env(environment);
  KafkaSettings kafka = read_kafka_settings(env);
  env.throw_if_problems();
  return kafka;
}

ServiceSettings load_service_settings(const EnvironmentReader& environment) {
  SettingsReader env(environment);
  ServiceSettings settings;
  settings.kafka = read_kafka_settings(env);
  settings.kafka.session_timeout_ms = env.integer("KAFKA_SESSION_TIMEOUT_MS", settings.kafka.session_timeout_ms,
                                                  adapters::kMinSessionTimeoutMs, adapters::kMaxSessionTimeoutMs);

  settings.storage = read_storage_settings(env);
  settings.http_api = read_http_api_settings(env);
  settings.analysis_cache = read_analysis_cache_settings(env);

  settings.concurrency = env.integer("SERVICE_CONCURRENCY", settings.concurrency, 1, 1024);
  settings.max_retries = env.integer("MAX_RETRIES", settings.max_retries, 0, 100);
  settings.models = read_model_settings(env);
  const std::string types = env.optional("MASK_TYPES_DEFAULT", "");
  try {
    if (!types.empty()) settings.default_mask_types = core::parse_mask_type_list(types);
  } catch (const core::InputError& error) {
    env.problem(std::string("MASK_TYPES_DEFAULT: ") + error.what());
  }
  settings.inference_instances = env.integer("INFERENCE_INSTANCES", settings.inference_instances, 1, 64);
  settings.retry.base_delay = env.duration("RETRY_BASE_DELAY_MS", settings.retry.base_delay, 1, 600000);
  settings.retry.max_delay = env.duration("RETRY_MAX_DELAY_MS", settings.retry.max_delay, 1, 3600000);
  settings.shutdown_grace = env.duration("SHUTDOWN_GRACE_SECONDS", settings.shutdown_grace, 0, 3600);
  settings.retry.permanent_error_attempts =
      env.integer("DEPENDENCY_PERMANENT_ATTEMPTS", settings.retry.permanent_error_attempts, 1, 100);
  // Below max.poll.interval.ms: the wait runs inside a poll.
  settings.rebalance_wait =
      env.duration("REBALANCE_WAIT_SECONDS", settings.rebalance_wait, 0, adapters::kMaxPollIntervalMs / 1000 - 1);
  settings.claim_wait = env.duration("CLAIM_WAIT_SECONDS", settings.claim_wait, 1, 86400);
  settings.decode_concurrency = env.integer("DECODE_CONCURRENCY", settings.decode_concurrency, 1, 64);
  settings.poison_original_max_bytes =
      env.integer("POISON_ORIGINAL_MAX_BYTES", settings.poison_original_max_bytes, 1024, 128L * 1024);
  settings.fetch.connect_timeout = env.duration("IMAGE_CONNECT_TIMEOUT_MS", settings.fetch.connect_timeout, 1, 600000);
  settings.fetch.total_timeout = env.duration("IMAGE_TIMEOUT_MS", settings.fetch.total_timeout, 1, 3600000);
  settings.fetch.max_bytes = env.integer("IMAGE_MAX_BYTES", settings.fetch.max_bytes, 1, (1L << 31) - 1);
  settings.fetch.allow_private_addresses =
      env.boolean("IMAGE_FETCH_ALLOW_PRIVATE", settings.fetch.allow_private_addresses);
  settings.max_image_pixels = read_max_image_pixels(env);
  settings.log_level = env.optional("LOG_LEVEL", settings.log_level);
  if (!one_of(settings.log_level, {"trace", "debug", "info", "warn", "error"})) {
    env.problem("LOG_LEVEL must be trace, debug, info, warn or error (got \"" + settings.log_level + "\")");
  }
  settings.metrics_port = env.integer("METRICS_PORT", settings.metrics_port, 0, 65535);
  settings.metrics_port_given = env.given("METRICS_PORT") || env.given("METRICS_BIND_ADDRESS");
  settings.metrics_bind_address = env.optional("METRICS_BIND_ADDRESS", settings.metrics_bind_address);
  settings.health_stall_limit = env.duration("HEALTH_STALL_SECONDS", settings.health_stall_limit, 1, 86400);
  if (settings.health_stall_limit <= settings.rebalance_wait) {
    // A rebalance holds the consume loop for up to REBALANCE_WAIT_SECONDS.
    env.problem("HEALTH_STALL_SECONDS must be greater than REBALANCE_WAIT_SECONDS (" +
                std::to_string(settings.rebalance_wait.count()) + ")");
  }
  settings.dependency_check_interval =
      env.duration("DEPENDENCY_CHECK_INTERVAL_SECONDS", settings.dependency_check_interval, 1, 3600);
  env.throw_if_problems();
  return settings;
}

}  // namespace mc::service

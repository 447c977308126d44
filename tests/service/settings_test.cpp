#include "service/settings/service_settings.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.hpp"
#include "service/settings/storage_settings.hpp"

// The settings loaders driven by a fake environment (the lookup is injected,
// nothing is set in the process's): every variable's default as README
// documents it, its bounds, the cross-checks and the exact error texts.
namespace mc::service {
namespace {

using Variables = std::map<std::string, std::string>;

// The variables without which nothing loads.
Variables required_variables() {
  return {{"KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"},
          {"MINIO_ENDPOINT", "127.0.0.1:9000"},
          {"MINIO_ACCESS_KEY", "access"},
          {"MINIO_SECRET_KEY", "minio-secret-2"},
          {"MINIO_BUCKET", "masks"},
          {"POSTGRES_DSN", "postgresql://mc:pg-secret-3@127.0.0.1:5432/mc"}};
}

EnvironmentReader fake_environment(const Variables& variables) {
  return [&variables](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  };
}

Variables with(Variables variables, const Variables& more) {
  for (const auto& [name, value] : more) variables[name] = value;
  return variables;
}

ServiceSettings load(const Variables& variables) { return load_service_settings(fake_environment(variables)); }

// The text of the SetupError that loading throws, or "" when it loads.
std::string load_error(const Variables& variables) {
  try {
    load(variables);
  } catch (const core::SetupError& error) {
    return error.what();
  }
  return "";
}

// The message listing exactly these problems.
std::string problems(std::initializer_list<std::string> lines) {
  std::string message = "configuration problems:";
  for (const auto& line : lines) message += "\n  " + line;
  return message;
}

// A whole-number variable: README's default and bounds, and where it lands.
struct NumberVariable {
  std::string name;
  long documented_default;
  long low;
  long high;
  std::function<long(const ServiceSettings&)> read;
  Variables also = {};  // what a bound needs to pass its cross-check
};

std::vector<NumberVariable> number_variables() {
  return {
      {"KAFKA_SESSION_TIMEOUT_MS", 45000, 6000, 300000, [](auto& s) { return s.kafka.session_timeout_ms; }},
      {"SERVICE_CONCURRENCY", 4, 1, 1024, [](auto& s) { return s.concurrency; }},
      {"MAX_RETRIES", 5, 0, 100, [](auto& s) { return s.max_retries; }},
      {"INFERENCE_INSTANCES", 1, 1, 64, [](auto& s) { return s.inference_instances; }},
      {"RETRY_BASE_DELAY_MS", 1000, 1, 600000, [](auto& s) { return s.retry.base_delay.count(); }},
      {"RETRY_MAX_DELAY_MS", 30000, 1, 3600000, [](auto& s) { return s.retry.max_delay.count(); }},
      {"SHUTDOWN_GRACE_SECONDS", 30, 0, 3600, [](auto& s) { return s.shutdown_grace.count(); }},
      {"DEPENDENCY_PERMANENT_ATTEMPTS", 3, 1, 100, [](auto& s) { return s.retry.permanent_error_attempts; }},
      {"REBALANCE_WAIT_SECONDS",
       15,
       0,
       299,
       [](auto& s) { return s.rebalance_wait.count(); },
       {{"HEALTH_STALL_SECONDS", "86400"}}},
      {"CLAIM_WAIT_SECONDS", 120, 1, 86400, [](auto& s) { return s.claim_wait.count(); }},
      {"DECODE_CONCURRENCY", 1, 1, 64, [](auto& s) { return s.decode_concurrency; }},
      {"POISON_ORIGINAL_MAX_BYTES", 65536, 1024, 131072,
       [](auto& s) { return static_cast<long>(s.poison_original_max_bytes); }},
      {"IMAGE_CONNECT_TIMEOUT_MS", 5000, 1, 600000, [](auto& s) { return s.fetch.connect_timeout.count(); }},
      {"IMAGE_TIMEOUT_MS", 30000, 1, 3600000, [](auto& s) { return s.fetch.total_timeout.count(); }},
      {"IMAGE_MAX_BYTES", 26214400, 1, 2147483647, [](auto& s) { return static_cast<long>(s.fetch.max_bytes); }},
      {"MAX_IMAGE_PIXELS", 40000000, 1, 17179869184, [](auto& s) { return static_cast<long>(s.max_image_pixels); }},
      {"METRICS_PORT", 9108, 0, 65535, [](auto& s) { return s.metrics_port; }},
      {"HEALTH_STALL_SECONDS",
       60,
       1,
       86400,
       [](auto& s) { return s.health_stall_limit.count(); },
       {{"REBALANCE_WAIT_SECONDS", "0"}}},
      {"DEPENDENCY_CHECK_INTERVAL_SECONDS", 10, 1, 3600, [](auto& s) { return s.dependency_check_interval.count(); }},
      {"GPU_ID", 0, -1, 64, [](auto& s) { return s.models.gpu_id; }},
      {"ORT_INTRA_OP_THREADS", 0, 0, 256, [](auto& s) { return s.models.runtime.intra_op_threads; }},
      {"ORT_INTER_OP_THREADS", 1, 1, 256, [](auto& s) { return s.models.runtime.inter_op_threads; }},
      {"S3_CONNECT_TIMEOUT_MS", 5000, 1, 600000, [](auto& s) { return s.storage.s3.connect_timeout.count(); }},
      {"S3_REQUEST_TIMEOUT_MS", 30000, 1, 3600000, [](auto& s) { return s.storage.s3.request_timeout.count(); }},
      {"PRESIGNED_URL_EXPIRY", 604800, 1, 604800, [](auto& s) { return s.storage.presigned_url_expiry.count(); }},
      {"POSTGRES_POOL_SIZE", 4, 1, 64, [](auto& s) { return s.storage.postgres.pool_size; }},
      {"POSTGRES_CONNECT_TIMEOUT", 5, 1, 300, [](auto& s) { return s.storage.postgres.connect_timeout.count(); }},
      {"POSTGRES_STATEMENT_TIMEOUT_MS", 30000, 0, 3600000,
       [](auto& s) { return s.storage.postgres.statement_timeout.count(); }},
  };
}

TEST(SettingsTest, EveryNumberDefaultsToWhatReadmeDocuments) {
  const ServiceSettings settings = load(required_variables());
  for (const auto& variable : number_variables()) {
    EXPECT_EQ(variable.read(settings), variable.documented_default) << variable.name;
  }
}

TEST(SettingsTest, EveryNumberAcceptsItsBoundsAndNamesItselfJustOutsideThem) {
  for (const auto& variable : number_variables()) {
    const Variables base = with(required_variables(), variable.also);
    for (const long inside : {variable.low, variable.high}) {
      const Variables set = with(base, {{variable.name, std::to_string(inside)}});
      const std::string error = load_error(set);
      EXPECT_EQ(error, "") << variable.name << "=" << inside;
      if (error.empty()) {
        EXPECT_EQ(variable.read(load(set)), inside) << variable.name;
      }
    }
    for (const long outside : {variable.low - 1, variable.high + 1}) {
      EXPECT_EQ(load_error(with(base, {{variable.name, std::to_string(outside)}})),
                problems({variable.name + " must be a whole number from " + std::to_string(variable.low) + " to " +
                          std::to_string(variable.high) + " (got \"" + std::to_string(outside) + "\")"}));
    }
  }
}

TEST(SettingsTest, ANumberWithTrailingTextIsRefused) {
  EXPECT_EQ(load_error(with(required_variables(), {{"SERVICE_CONCURRENCY", "4x"}})),
            problems({"SERVICE_CONCURRENCY must be a whole number from 1 to 1024 (got \"4x\")"}));
}

TEST(SettingsTest, TextsDefaultToWhatReadmeDocuments) {
  const ServiceSettings settings = load(required_variables());
  EXPECT_EQ(settings.kafka.input_topic, "mask_input");
  EXPECT_EQ(settings.kafka.output_topic, "mask_output");
  EXPECT_EQ(settings.kafka.poison_topic, "mask_input_poison");
  EXPECT_EQ(settings.kafka.consumer_group, "maskcomponent-group");
  EXPECT_EQ(settings.kafka.security_protocol, "PLAINTEXT");
  EXPECT_EQ(settings.kafka.sasl_mechanism, "PLAIN");
  EXPECT_EQ(settings.storage.s3.region, "us-east-1");
  EXPECT_FALSE(settings.storage.s3.secure);
  EXPECT_EQ(settings.storage.base_url, "http://127.0.0.1:9000/masks");
  EXPECT_EQ(settings.models.checkpoints_dir, "./checkpoints");
  EXPECT_EQ(settings.models.runtime.graph_optimization, "all");
  EXPECT_EQ(settings.models.runtime.precision, "fp32");
  EXPECT_EQ(settings.models.pose_model, inference::PoseModel::kOpenPose);
  EXPECT_EQ(settings.models.atr_output, "");
  EXPECT_EQ(settings.log_level, "info");
  EXPECT_EQ(settings.metrics_bind_address, "0.0.0.0");
  EXPECT_FALSE(settings.fetch.allow_private_addresses);
  EXPECT_EQ(settings.default_mask_types.size(), core::kAllMaskTypes.size());
}

// The default status endpoint may be lost to a second instance on the host;
// one an operator chose may not (serve_command.cpp, README).
TEST(SettingsTest, OnlyAChosenStatusEndpointIsRequired) {
  EXPECT_FALSE(load(required_variables()).metrics_port_given);
  Variables port = required_variables();
  port["METRICS_PORT"] = "9108";
  EXPECT_TRUE(load(port).metrics_port_given);
  Variables address = required_variables();
  address["METRICS_BIND_ADDRESS"] = "127.0.0.1";
  EXPECT_TRUE(load(address).metrics_port_given);
  Variables empty = required_variables();
  empty["METRICS_PORT"] = "";
  EXPECT_FALSE(load(empty).metrics_port_given);
}

TEST(SettingsTest, SetTextsAreTakenAsGiven) {
  const ServiceSettings settings = load(with(required_variables(), {{"KAFKA_TOPIC_INPUT", "in"},
                                                                    {"MINIO_SECURE", "true"},
                                                                    {"BASE_URL", "https://cdn.example/masks//"},
                                                                    {"MASK_TYPES_DEFAULT", "dress, lower_body"},
                                                                    {"IMAGE_FETCH_ALLOW_PRIVATE", "1"},
                                                                    {"CHECKPOINTS_DIR", "/models"},
                                                                    {"INFERENCE_PRECISION", "bf16"}}));
  EXPECT_EQ(settings.kafka.input_topic, "in");
  EXPECT_TRUE(settings.storage.s3.secure);
  EXPECT_EQ(settings.storage.base_url, "https://cdn.example/masks");  // trailing slashes dropped
  EXPECT_EQ(settings.default_mask_types, (std::vector{core::MaskType::kDress, core::MaskType::kLowerBody}));
  EXPECT_TRUE(settings.fetch.allow_private_addresses);
  EXPECT_EQ(settings.models.checkpoints_dir, "/models");
  EXPECT_EQ(settings.models.runtime.precision, "bf16");
}

TEST(SettingsTest, TheDefaultBaseUrlFollowsMinioSecure) {
  EXPECT_EQ(load(with(required_variables(), {{"MINIO_SECURE", "TRUE"}})).storage.base_url,
            "https://127.0.0.1:9000/masks");
}

TEST(SettingsTest, EveryMissingRequiredVariableIsNamedAtOnce) {
  EXPECT_EQ(
      load_error({}),
      problems({"KAFKA_BOOTSTRAP_SERVERS is required", "MINIO_ENDPOINT is required", "MINIO_ACCESS_KEY is required",
                "MINIO_SECRET_KEY (or MINIO_SECRET_KEY_FILE) is required", "MINIO_BUCKET is required",
                // the default BASE_URL, made of the missing two
                "BASE_URL must be an http:// or https:// URL (got \"http:\")",
                "POSTGRES_DSN (or POSTGRES_DSN_FILE) is required"}));
}

TEST(SettingsTest, ChoicesOutsideTheirListAreNamedWithTheValue) {
  EXPECT_EQ(load_error(with(required_variables(), {{"KAFKA_SECURITY_PROTOCOL", "TLS"}})),
            problems({"KAFKA_SECURITY_PROTOCOL must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (got \"TLS\")"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"KAFKA_SECURITY_PROTOCOL", "SASL_SSL"},
                                                   {"KAFKA_SASL_MECHANISM", "GSSAPI"},
                                                   {"KAFKA_USERNAME", "u"},
                                                   {"KAFKA_PASSWORD", "kafka-secret-1"}})),
            problems({"KAFKA_SASL_MECHANISM must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (got \"GSSAPI\")"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"LOG_LEVEL", "verbose"}})),
            problems({"LOG_LEVEL must be trace, debug, info, warn or error (got \"verbose\")"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"ORT_GRAPH_OPTIMIZATION", "max"}})),
            problems({"ORT_GRAPH_OPTIMIZATION must be disable, basic, extended, layout or all (got \"max\")"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"INFERENCE_PRECISION", "fp16"}})),
            problems({"INFERENCE_PRECISION must be fp32 or bf16 (got \"fp16\")"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"POSE_MODEL", "DWPose"}})),
            problems({"POSE_MODEL must be openpose or dwpose (got \"DWPose\")"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"MINIO_SECURE", "yes"}})),
            problems({"MINIO_SECURE must be true or false (got \"yes\")"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"IMAGE_FETCH_ALLOW_PRIVATE", "on"}})),
            problems({"IMAGE_FETCH_ALLOW_PRIVATE must be true or false (got \"on\")"}));
}

TEST(SettingsTest, MaskTypesDefaultNamesTheUnknownType) {
  std::string parse_error;
  try {
    core::parse_mask_type_list("dress,hat");
  } catch (const core::InputError& error) {
    parse_error = error.what();
  }
  ASSERT_NE(parse_error, "");
  EXPECT_EQ(load_error(with(required_variables(), {{"MASK_TYPES_DEFAULT", "dress,hat"}})),
            problems({"MASK_TYPES_DEFAULT: " + parse_error}));
}

TEST(SettingsTest, HealthStallMustExceedTheRebalanceWait) {
  EXPECT_EQ(load_error(with(required_variables(), {{"HEALTH_STALL_SECONDS", "15"}})),
            problems({"HEALTH_STALL_SECONDS must be greater than REBALANCE_WAIT_SECONDS (15)"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"HEALTH_STALL_SECONDS", "16"}})), "");
  EXPECT_EQ(load_error(with(required_variables(), {{"REBALANCE_WAIT_SECONDS", "60"}})),
            problems({"HEALTH_STALL_SECONDS must be greater than REBALANCE_WAIT_SECONDS (60)"}));
}

TEST(SettingsTest, SaslNeedsUserAndPassword) {
  for (const std::string protocol : {"SASL_PLAINTEXT", "SASL_SSL"}) {
    EXPECT_EQ(load_error(with(required_variables(), {{"KAFKA_SECURITY_PROTOCOL", protocol}})),
              problems({"KAFKA_USERNAME and KAFKA_PASSWORD are required with KAFKA_SECURITY_PROTOCOL=" + protocol}));
    EXPECT_EQ(load_error(with(required_variables(),
                              {{"KAFKA_SECURITY_PROTOCOL", protocol}, {"KAFKA_PASSWORD", "kafka-secret-1"}})),
              problems({"KAFKA_USERNAME and KAFKA_PASSWORD are required with KAFKA_SECURITY_PROTOCOL=" + protocol}));
    EXPECT_EQ(load_error(with(required_variables(), {{"KAFKA_SECURITY_PROTOCOL", protocol},
                                                     {"KAFKA_USERNAME", "u"},
                                                     {"KAFKA_PASSWORD", "kafka-secret-1"}})),
              "");
  }
  // Without SASL neither is needed.
  EXPECT_EQ(load_error(with(required_variables(), {{"KAFKA_SECURITY_PROTOCOL", "SSL"}})), "");
}

TEST(SettingsTest, StorageAddressesAreChecked) {
  EXPECT_EQ(load_error(with(required_variables(), {{"MINIO_ENDPOINT", "http://minio:9000"}})),
            problems({"MINIO_ENDPOINT must be host or host:port without a scheme (got \"http://minio:9000\")"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"MINIO_BUCKET", "Masks"}})),
            problems({"MINIO_BUCKET \"Masks\" is not a valid bucket name (3-63 lower-case letters, digits, dots, "
                      "hyphens)"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"BASE_URL", "ftp://cdn/masks"}})),
            problems({"BASE_URL must be an http:// or https:// URL (got \"ftp://cdn/masks\")"}));
}

TEST(SettingsTest, ARefusedDsnIsNamedWithItsPasswordRedacted) {
  EXPECT_EQ(load_error(with(required_variables(), {{"POSTGRES_DSN", "mysql://mc:pg-secret-3@db/mc"}})),
            problems({"POSTGRES_DSN must start with postgresql:// (postgresql://user:password@host:5432/database) "
                      "(got \"mysql://mc:***@db/mc\")"}));
  EXPECT_EQ(load_error(with(required_variables(), {{"POSTGRES_DSN", "postgresql://mc:pg@secret-3@db/mc"}})),
            problems({"POSTGRES_DSN has an unencoded '@' in its user or password (write it as %40) "
                      "(got \"postgresql://mc:***@db/mc\")"}));
}

TEST(SettingsTest, NoSecretAppearsInAnyErrorText) {
  // Every secret set, and every other variable wrong at once.
  const std::string error = load_error({{"KAFKA_SECURITY_PROTOCOL", "SASL_SSL"},
                                        {"KAFKA_SASL_MECHANISM", "GSSAPI"},
                                        {"KAFKA_PASSWORD", "kafka-secret-1"},
                                        {"MINIO_ENDPOINT", "http://bad"},
                                        {"MINIO_SECRET_KEY", "minio-secret-2"},
                                        {"MINIO_BUCKET", "B"},
                                        {"POSTGRES_DSN", "postgresql://mc:pg@secret-3@db/mc?password=pg-secret-4"},
                                        {"SERVICE_CONCURRENCY", "0"},
                                        {"LOG_LEVEL", "loud"}});
  ASSERT_NE(error, "");
  for (const char* secret : {"kafka-secret-1", "minio-secret-2", "secret-3", "pg-secret-4"}) {
    EXPECT_EQ(error.find(secret), std::string::npos) << secret << " in:\n" << error;
  }
}

TEST(SettingsTest, SendReadsTheKafkaVariablesAlone) {
  const Variables kafka_only = {{"KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"}, {"KAFKA_TOPIC_INPUT", "in"}};
  const KafkaSettings kafka = load_kafka_settings(fake_environment(kafka_only));
  EXPECT_EQ(kafka.input_topic, "in");
  EXPECT_EQ(kafka.output_topic, "mask_output");
  try {
    load_kafka_settings(fake_environment({}));
    ADD_FAILURE() << "loaded without KAFKA_BOOTSTRAP_SERVERS";
  } catch (const core::SetupError& error) {
    EXPECT_EQ(std::string(error.what()), problems({"KAFKA_BOOTSTRAP_SERVERS is required"}));
  }
}

TEST(SettingsTest, TheStorageCommandsReadTheStorageVariablesAlone) {
  Variables storage = required_variables();
  storage.erase("KAFKA_BOOTSTRAP_SERVERS");
  const StorageSettings settings = load_storage_settings(fake_environment(storage));
  EXPECT_EQ(settings.s3.bucket, "masks");
  EXPECT_EQ(settings.postgres.pool_size, 4);
}

// A file of its own under the test's temporary folder, removed at the end.
class SecretFile {
 public:
  SecretFile(const std::string& name, const std::string& contents)
      : path_(std::filesystem::temp_directory_path() / ("mc_settings_" + std::to_string(::getpid()) + "_" + name)) {
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~SecretFile() { std::filesystem::remove(path_); }
  SecretFile(const SecretFile&) = delete;
  SecretFile& operator=(const SecretFile&) = delete;
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Docker's and Kubernetes' secrets as files: every secret variable can be
// given as NAME_FILE, its trailing newline (as `echo` writes it) dropped.
TEST(SettingsTest, EverySecretCanComeFromTheFileItsFileVariableNames) {
  const SecretFile kafka("kafka", "kafka-secret-1\n");
  const SecretFile minio("minio", "minio-secret-2\r\n");
  const SecretFile dsn("dsn", "postgresql://mc:pg-secret-3@127.0.0.1:5432/mc\n");
  const SecretFile token("token", "api-secret-5");
  Variables variables = with(required_variables(), {{"KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"},
                                                    {"KAFKA_USERNAME", "mc"},
                                                    {"KAFKA_PASSWORD_FILE", kafka.path()},
                                                    {"MINIO_SECRET_KEY_FILE", minio.path()},
                                                    {"POSTGRES_DSN_FILE", dsn.path()},
                                                    {"HTTP_API_TOKEN_FILE", token.path()}});
  variables.erase("MINIO_SECRET_KEY");
  variables.erase("POSTGRES_DSN");
  const ServiceSettings settings = load(variables);
  EXPECT_EQ(settings.kafka.password, "kafka-secret-1");
  EXPECT_EQ(settings.storage.s3.secret_key, "minio-secret-2");
  EXPECT_EQ(settings.storage.postgres.dsn, "postgresql://mc:pg-secret-3@127.0.0.1:5432/mc");
  EXPECT_EQ(settings.http_api.token, "api-secret-5");
}

TEST(SettingsTest, ASecretFileThatCannotBeUsedIsNamedWithItsPathNeverItsContents) {
  const SecretFile empty("empty", "\n");
  const SecretFile huge("huge", std::string(64 * 1024 + 1, 'x'));
  const SecretFile minio("both", "minio-secret-2");
  const std::string missing = (std::filesystem::temp_directory_path() / "mc_settings_no_such_file").string();
  Variables variables = with(required_variables(), {{"KAFKA_PASSWORD_FILE", missing},
                                                    {"MINIO_SECRET_KEY_FILE", minio.path()},
                                                    {"POSTGRES_DSN_FILE", empty.path()},
                                                    {"HTTP_API_TOKEN_FILE", huge.path()}});
  const std::string error = load_error(variables);
  EXPECT_EQ(error, problems({"KAFKA_PASSWORD_FILE names a file that cannot be read: No such file or directory (\"" +
                                 missing + "\")",
                             "MINIO_SECRET_KEY and MINIO_SECRET_KEY_FILE are both set: set one",
                             "POSTGRES_DSN and POSTGRES_DSN_FILE are both set: set one",
                             "HTTP_API_TOKEN_FILE names a file larger than 64 KiB (\"" + huge.path() + "\")"}));
  variables.erase("MINIO_SECRET_KEY");
  variables.erase("POSTGRES_DSN");
  variables.erase("KAFKA_PASSWORD_FILE");
  variables.erase("HTTP_API_TOKEN_FILE");
  EXPECT_EQ(load_error(variables), problems({"POSTGRES_DSN_FILE names an empty file (\"" + empty.path() + "\")"}));
  EXPECT_EQ(load_error(variables).find("minio-secret-2"), std::string::npos);
}

// A FIFO without a writer would block start-up for ever, a directory or a
// device has no end: only regular files are read.
TEST(SettingsTest, ASecretFileMustBeARegularFile) {
  const std::string fifo =
      (std::filesystem::temp_directory_path() / ("mc_settings_fifo_" + std::to_string(::getpid()))).string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string folder = std::filesystem::temp_directory_path().string();
  const std::string error =
      load_error(with(required_variables(), {{"KAFKA_PASSWORD_FILE", fifo}, {"HTTP_API_TOKEN_FILE", folder}}));
  std::filesystem::remove(fifo);
  EXPECT_EQ(error, problems({"KAFKA_PASSWORD_FILE names something that is not a regular file (\"" + fifo + "\")",
                             "HTTP_API_TOKEN_FILE names something that is not a regular file (\"" + folder + "\")"}));
}

// An optional secret's empty file counts as unset, as an empty variable
// does (a Kubernetes Secret's KAFKA_PASSWORD left empty without SASL).
TEST(SettingsTest, AnOptionalSecretsEmptyFileCountsAsUnset) {
  const SecretFile empty("empty_password", "");
  const ServiceSettings settings = load(with(required_variables(), {{"KAFKA_PASSWORD_FILE", empty.path()}}));
  EXPECT_EQ(settings.kafka.password, "");
}

// A DSN file holding something else (the password alone, a keyword DSN) is
// refused without showing any of it.
TEST(SettingsTest, ADsnWithoutASchemeIsRefusedWithoutShowingIt) {
  const SecretFile password("dsn_password", "pg-secret-3\n");
  Variables variables = with(required_variables(), {{"POSTGRES_DSN_FILE", password.path()}});
  variables.erase("POSTGRES_DSN");
  EXPECT_EQ(load_error(variables),
            problems({"POSTGRES_DSN must start with postgresql:// (postgresql://user:password@host:5432/database) "
                      "(got 11 characters without a scheme, not shown)"}));
}

}  // namespace
}  // namespace mc::service

#include "app/send_command.hpp"

#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "adapters/local_files.hpp"
#include "adapters/kafka_config.hpp"
#include "service/settings/service_settings.hpp"
#include "core/errors.hpp"
#include "core/exit_codes.hpp"
#include "core/mask_request.hpp"

namespace mc::app {

// The program drives the service library.
using adapters::KafkaSettings;
using service::load_kafka_settings;

namespace {

// A consumer placed at the current end of every partition of `topic`, so that
// it sees exactly what is published from now on.
std::unique_ptr<RdKafka::KafkaConsumer> consumer_at_end(const KafkaSettings& kafka, const std::string& topic) {
  auto conf = adapters::kafka_result_reader_conf(kafka, "maskcomponent-send-" + core::generate_request_id());
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw core::SetupError("Kafka consumer: " + error);
  RdKafka::Metadata* raw = nullptr;
  std::unique_ptr<RdKafka::Topic> handle(RdKafka::Topic::create(consumer.get(), topic, nullptr, error));
  if (consumer->metadata(false, handle.get(), &raw, 10000) != RdKafka::ERR_NO_ERROR || raw == nullptr) {
    throw std::runtime_error("Kafka: cannot read the metadata of " + topic);
  }
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto* topic_metadata : *metadata->topics()) {
    for (const auto* partition : *topic_metadata->partitions()) {
      std::int64_t low = 0;
      std::int64_t high = 0;
      consumer->query_watermark_offsets(topic, partition->id(), &low, &high, 10000);
      partitions.push_back(RdKafka::TopicPartition::create(topic, partition->id(), high));
    }
  }
  consumer->assign(partitions);
  RdKafka::TopicPartition::destroy(partitions);
  return consumer;
}

}  // namespace

CLI::App* add_send_command(CLI::App& app, SendOptions& options) {
  CLI::App* command = app.add_subcommand("send", "Publish one mask request to Kafka (KAFKA_* variables).");
  command->add_option("--user-id", options.user_id, "The user")->required();
  command->add_option("--gender", options.gender, "M, F, MALE, FEMALE or other (default M)");
  auto* path = command->add_option("--image-path", options.image_path, "Local image, sent as base64");
  auto* url = command->add_option("--image-url", options.image_url, "Image URL the service downloads");
  path->excludes(url);
  command->add_option("--types,--mask-types", options.mask_types,
                      "Comma-separated types (default: the service's default)");
  command->add_option("--request-id", options.request_id, "Request id (default: generated)");
  command->add_flag("--wait", options.wait, "Wait for the result on the output topic and print it");
  command->add_option("--timeout", options.timeout_seconds, "Seconds to wait with --wait (default 120)")
      ->check(CLI::PositiveNumber);
  return command;
}

int run_send_command(const SendOptions& options) {
  if (options.image_path.empty() == options.image_url.empty()) {
    throw core::InputError("give exactly one of --image-path and --image-url");
  }
  const KafkaSettings kafka = load_kafka_settings([](const char* name) { return std::getenv(name); });
  nlohmann::json message = {
      {"user_id", options.user_id},
      {"gender", options.gender},
      {"request_id", options.request_id.empty() ? core::generate_request_id() : options.request_id}};
  if (!options.mask_types.empty()) {
    nlohmann::json types = nlohmann::json::array();
    std::size_t start = 0;
    while (start <= options.mask_types.size()) {
      const auto comma = options.mask_types.find(',', start);
      types.push_back(options.mask_types.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    message["mask_types"] = types;
  }
  message["image"] =
      options.image_url.empty()
          ? nlohmann::json{{"type", "base64"}, {"data", core::encode_base64(adapters::read_file(options.image_path))}}
          : nlohmann::json{{"type", "url"}, {"data", options.image_url}};

  std::unique_ptr<RdKafka::KafkaConsumer> results;
  if (options.wait) results = consumer_at_end(kafka, kafka.output_topic);

  auto conf = adapters::kafka_request_producer_conf(kafka);
  std::string error;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw core::SetupError("Kafka producer: " + error);
  const std::string payload = message.dump();
  const std::string key = options.user_id;
  const RdKafka::ErrorCode produced =
      producer->produce(kafka.input_topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                        const_cast<char*>(payload.data()), payload.size(), key.data(), key.size(), 0, nullptr);
  if (produced != RdKafka::ERR_NO_ERROR || producer->flush(15000) != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("Kafka: could not publish to " + kafka.input_topic);
  }
  std::cerr << "sent request_id " << message["request_id"].get<std::string>() << " to " << kafka.input_topic << '\n';
  if (!results) return core::exit_status(core::ExitCode::kSuccess);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> received(results->consume(200));
    if (received->err() != RdKafka::ERR_NO_ERROR) continue;
    const nlohmann::json result = nlohmann::json::parse(
        std::string_view(static_cast<const char*>(received->payload()), received->len()), nullptr, false);
    if (result.is_object() && result.value("request_id", "") == message["request_id"]) {
      std::cout << result.dump(2) << '\n';
      results->close();
      return core::exit_status(core::ExitCode::kSuccess);
    }
  }
  results->close();
  std::cerr << "no result for request_id " << message["request_id"].get<std::string>() << " within "
            << options.timeout_seconds << " s\n";
  return core::exit_status(core::ExitCode::kNoResult);
}

}  // namespace mc::app

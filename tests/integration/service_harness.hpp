// The harness of the service tests: `maskcomponent serve` as a real process
// with Apache Kafka, PostgreSQL and MinIO from scripts/services.sh, and an
// image server (cpp-httplib) on loopback. Each test creates its own topics
// (the broker creates none by itself) and uses its own group and database,
// and the test models.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <curl/curl.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <pqxx/pqxx>

#include "core/base64.hpp"
#include "adapters/local_files.hpp"
#include "support/cli_run.hpp"
#include "support/http_get.hpp"
#include "support/local_services.hpp"
#include "support/figure.hpp"

namespace mc::service_test {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

inline const fs::path kModels = MC_TEST_MODELS_DIR;

inline std::map<std::string, std::string> services_env() { return mc::test_support::services_env(MC_SERVICES_SCRIPT); }

using mc::test_support::free_port;

// prefix + number (GCC 12 warns falsely about `"text" + std::to_string(n)` here).
inline std::string numbered(std::string prefix, int number) {
  prefix.append(std::to_string(number));
  return prefix;
}

inline std::string unique_suffix() {
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 100000);
}

// A topic to create: its partitions and topic-level settings.
struct TopicSpec {
  std::string name;
  int partitions = 4;
  std::map<std::string, std::string> config;
};

// Kafka from the test's side: create topics, publish requests, read results.
class KafkaProbe {
 public:
  explicit KafkaProbe(std::string bootstrap) : bootstrap_(std::move(bootstrap)) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string error;
    conf->set("bootstrap.servers", bootstrap_, error);
    conf->set("message.max.bytes", "10000000", error);  // the tests send messages of several MB
    producer_.reset(RdKafka::Producer::create(conf.get(), error));
  }

  // Creates the topics (librdkafka's admin API) and waits until the
  // controller has them; a failure fails the test.
  void create_topics(const std::vector<TopicSpec>& topics) {
    char error[512];
    std::vector<rd_kafka_NewTopic_t*> requests;
    for (const auto& topic : topics) {
      rd_kafka_NewTopic_t* request =
          rd_kafka_NewTopic_new(topic.name.c_str(), topic.partitions, 1, error, sizeof(error));
      ASSERT_NE(request, nullptr) << error;
      for (const auto& [name, value] : topic.config) rd_kafka_NewTopic_set_config(request, name.c_str(), value.c_str());
      requests.push_back(request);
    }
    run_admin(RD_KAFKA_ADMIN_OP_CREATETOPICS,
              [&](rd_kafka_t* handle, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                rd_kafka_CreateTopics(handle, requests.data(), requests.size(), options, queue);
              });
    rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());
  }

  // Deletes the topics (a test's own, so they do not pile up in the broker).
  void delete_topics(const std::vector<std::string>& names) {
    std::vector<rd_kafka_DeleteTopic_t*> requests;
    for (const auto& name : names) requests.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
    run_admin(RD_KAFKA_ADMIN_OP_DELETETOPICS,
              [&](rd_kafka_t* handle, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                rd_kafka_DeleteTopics(handle, requests.data(), requests.size(), options, queue);
              });
    rd_kafka_DeleteTopic_destroy_array(requests.data(), requests.size());
  }

  // Publishes and waits for the broker's acknowledgement; any bytes.
  void publish(const std::string& topic, const std::string& key, const std::string& value,
               std::int32_t partition = RdKafka::Topic::PARTITION_UA) {
    const RdKafka::ErrorCode code =
        producer_->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()),
                           value.size(), key.empty() ? nullptr : key.data(), key.size(), 0, nullptr);
    EXPECT_EQ(code, RdKafka::ERR_NO_ERROR) << RdKafka::err2str(code);
    producer_->flush(10000);
  }

  // Reads `topic` from the start until `count` messages or the timeout. It
  // assigns every partition itself (no group join, which takes seconds).
  std::vector<json> read(const std::string& topic, std::size_t count, std::chrono::seconds timeout) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string error;
    conf->set("bootstrap.servers", bootstrap_, error);
    conf->set("group.id", "probe_" + unique_suffix(), error);
    conf->set("enable.auto.commit", "false", error);
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<json> messages;
    // The topic exists once the service has published to it.
    int partitions = 0;
    while (partitions == 0 && std::chrono::steady_clock::now() < deadline) {
      partitions = partition_count(*consumer, topic);
      if (partitions == 0) std::this_thread::sleep_for(200ms);
    }
    if (partitions == 0) return messages;
    std::vector<RdKafka::TopicPartition*> assignment;
    for (int p = 0; p < partitions; ++p) {
      assignment.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
    }
    consumer->assign(assignment);
    RdKafka::TopicPartition::destroy(assignment);
    while (messages.size() < count && std::chrono::steady_clock::now() < deadline) {
      std::unique_ptr<RdKafka::Message> message(consumer->consume(200));
      if (message->err() != RdKafka::ERR_NO_ERROR) continue;
      messages.push_back(json::parse(std::string(static_cast<const char*>(message->payload()), message->len())));
    }
    consumer->close();
    return messages;
  }

  // The partitions of `topic` (0 when it does not exist yet).
  int partitions(const std::string& topic) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string error;
    conf->set("bootstrap.servers", bootstrap_, error);
    conf->set("group.id", "probe_" + unique_suffix(), error);
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
    const int count = partition_count(*consumer, topic);
    consumer->close();
    return count;
  }

  static int partition_count(RdKafka::KafkaConsumer& consumer, const std::string& topic) {
    std::string error;
    std::unique_ptr<RdKafka::Topic> handle(RdKafka::Topic::create(&consumer, topic, nullptr, error));
    RdKafka::Metadata* raw = nullptr;
    if (consumer.metadata(false, handle.get(), &raw, 2000) != RdKafka::ERR_NO_ERROR || raw == nullptr) return 0;
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    for (const auto* found : *metadata->topics()) {
      if (found->topic() == topic && found->err() == RdKafka::ERR_NO_ERROR) {
        return static_cast<int>(found->partitions()->size());
      }
    }
    return 0;
  }

  // The group's committed offsets on `topic`, summed over partitions.
  std::int64_t committed(const std::string& group, const std::string& topic, int partitions) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string error;
    conf->set("bootstrap.servers", bootstrap_, error);
    conf->set("group.id", group, error);
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
    std::vector<RdKafka::TopicPartition*> list;
    for (int p = 0; p < partitions; ++p) list.push_back(RdKafka::TopicPartition::create(topic, p));
    consumer->committed(list, 10000);
    std::int64_t sum = 0;
    for (auto* partition : list) sum += std::max<std::int64_t>(partition->offset(), 0);
    RdKafka::TopicPartition::destroy(list);
    consumer->close();
    return sum;
  }

 private:
  // Runs one admin request and expects every topic in its result to have
  // succeeded (the operation timeout makes the controller answer only once done).
  template <typename Submit>
  void run_admin(rd_kafka_admin_op_t operation, Submit submit) {
    rd_kafka_t* handle = producer_->c_ptr();
    char error[512];
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(handle, operation);
    rd_kafka_AdminOptions_set_operation_timeout(options, 30000, error, sizeof(error));
    rd_kafka_AdminOptions_set_request_timeout(options, 60000, error, sizeof(error));
    rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
    submit(handle, options, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 90000);
    ASSERT_NE(event, nullptr) << "no answer to the admin request";
    EXPECT_EQ(rd_kafka_event_error(event), RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_event_error_string(event);
    std::size_t count = 0;
    const rd_kafka_topic_result_t** results =
        operation == RD_KAFKA_ADMIN_OP_CREATETOPICS
            ? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            : rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count);
    for (std::size_t i = 0; i < count; ++i) {
      EXPECT_EQ(rd_kafka_topic_result_error(results[i]), RD_KAFKA_RESP_ERR_NO_ERROR)
          << rd_kafka_topic_result_name(results[i]) << ": " << rd_kafka_topic_result_error_string(results[i]);
    }
    rd_kafka_event_destroy(event);
    rd_kafka_queue_destroy(queue);
    rd_kafka_AdminOptions_destroy(options);
  }

  std::string bootstrap_;
  std::unique_ptr<RdKafka::Producer> producer_;
};

// The service as a child process with its own environment; stderr to a file.
class ServiceProcess {
 public:
  ServiceProcess(std::map<std::string, std::string> env, fs::path log) : env_(std::move(env)), log_(std::move(log)) {}
  ~ServiceProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<std::string> entries;
      for (const auto& [name, value] : env_) entries.push_back(name + "=" + value);
      std::vector<char*> envp;
      for (auto& entry : entries) envp.push_back(entry.data());
      envp.push_back(nullptr);
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 2);
      ::dup2(fd, 1);
      char* argv[] = {const_cast<char*>(MC_CLI_PATH), const_cast<char*>("serve"), nullptr};
      ::execve(MC_CLI_PATH, argv, envp.data());
      ::_exit(127);
    }
  }

  // Sends `signal` without waiting.
  void signal(int signal) { ::kill(pid_, signal); }
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits for the exit code (-1 on timeout).
  int stop(int signal = SIGTERM, std::chrono::seconds timeout = 60s) {
    ::kill(pid_, signal);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }

  // True while the process runs (it has not exited or been killed).
  bool alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  std::string log_text() const {
    std::ifstream in(log_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  std::map<std::string, std::string> env_;
  fs::path log_;
  pid_t pid_ = -1;
};

// Images over HTTP on loopback, with failure modes and hit counters.
class ImageServer {
 public:
  explicit ImageServer(std::string png) : png_(std::move(png)) {
    server_.Get("/figure.png", [this](const httplib::Request&, httplib::Response& response) {
      ++hits_.at("figure");
      response.set_content(png_, "image/png");
    });
    server_.Get("/missing.png", [this](const httplib::Request&, httplib::Response& response) {
      ++hits_.at("missing");
      response.status = 404;
    });
    server_.Get("/flaky.png", [this](const httplib::Request&, httplib::Response& response) {
      if (++hits_.at("flaky") <= 2) {
        response.status = 503;
      } else {
        response.set_content(png_, "image/png");
      }
    });
    server_.Get("/down.png", [this](const httplib::Request&, httplib::Response& response) {
      ++hits_.at("down");
      response.status = 503;
    });
    // Answers only once release_held() is called: requests that stay in flight.
    server_.Get("/held.png", [this](const httplib::Request&, httplib::Response& response) {
      ++hits_.at("held");
      std::unique_lock lock(held_mutex_);
      held_released_.wait(lock, [this] { return released_; });
      response.set_content(png_, "image/png");
    });
    server_.Get("/slow.png", [this](const httplib::Request&, httplib::Response& response) {
      ++hits_.at("slow");
      std::this_thread::sleep_for(std::chrono::seconds(3));
      response.set_content(png_, "image/png");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before listening has begun would be lost, and join() would hang.
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~ImageServer() {
    release_held();
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int hits(const std::string& name) { return hits_.at(name).load(); }
  void release_held() {
    {
      const std::lock_guard lock(held_mutex_);
      released_ = true;
    }
    held_released_.notify_all();
  }

 private:
  std::string png_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex held_mutex_;
  std::condition_variable held_released_;
  bool released_ = false;
  // Created before the server thread starts; the handlers only update values.
  std::map<std::string, std::atomic<int>> hits_ = [] {
    std::map<std::string, std::atomic<int>> counters;
    for (const char* name : {"figure", "missing", "flaky", "down", "slow", "held"}) counters[name] = 0;
    return counters;
  }();
};

using mc::test_support::http_get;
using mc::test_support::HttpResult;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env = services_env();
    ASSERT_TRUE(env.count("KAFKA_BOOTSTRAP_SERVERS")) << "Kafka is not running (scripts/services.sh start)";
    suffix = unique_suffix();
    input = "in_" + suffix;
    output = "out_" + suffix;
    poison = "poison_" + suffix;
    group = "group_" + suffix;
    database = "svc_" + suffix;
    admin("CREATE DATABASE " + database);
    env["POSTGRES_DSN"] = dsn(database);
    env["KAFKA_TOPIC_INPUT"] = input;
    env["KAFKA_TOPIC_OUTPUT"] = output;
    env["KAFKA_TOPIC_POISON"] = poison;
    env["KAFKA_CONSUMER_GROUP"] = group;
    env["CHECKPOINTS_DIR"] = (kModels / "one_person").string();
    env["GPU_ID"] = "-1";
    env["IMAGE_FETCH_ALLOW_PRIVATE"] = "true";
    env["MAX_RETRIES"] = "3";
    env["RETRY_BASE_DELAY_MS"] = "50";
    env["RETRY_MAX_DELAY_MS"] = "200";
    env["SERVICE_CONCURRENCY"] = "2";
    env["METRICS_PORT"] = "0";  // off; the operations tests choose a free port
    env["PATH"] = "/usr/bin:/bin";
    // The sanitizer settings of the ASan run (its leak suppressions) reach the service too.
    for (const char* name : {"LSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) env[name] = value;
    }
    kafka = std::make_unique<KafkaProbe>(env["KAFKA_BOOTSTRAP_SERVERS"]);
    // Four partitions each, so that two instances share the input. The input
    // takes messages of several MB (the odd-message tests); the others keep
    // the broker's default limit of 1 MB.
    kafka->create_topics(
        {{input, 4, {{"max.message.bytes", "10000000"}}}, {output, 4, {}}, {poison, 4, poison_config}});

    const cv::Mat parse = mc::adapters::read_label_png(fs::path(MC_GOLDEN_DIR) / "male_pants" / "parse.png");
    std::vector<std::uint8_t> png;
    cv::imencode(".png", mc::test_support::paint_figure(parse, kModels / "one_person" / "palette.json"), png);
    figure_png.assign(png.begin(), png.end());
    images = std::make_unique<ImageServer>(figure_png);
    log_path = fs::temp_directory_path() / ("mc_service_" + suffix + ".log");
  }

  void TearDown() override {
    if (HasFailure() && service) std::cerr << "service log:\n" << service->log_text() << '\n';
    for (std::size_t i = 0; i < instances.size(); ++i) {
      if (HasFailure()) std::cerr << "instance " << i << " log:\n" << instances[i]->log_text() << '\n';
    }
    instances.clear();
    for (std::size_t i = 0; i < instance_count; ++i) fs::remove(log_path.string() + "." + std::to_string(i));
    service.reset();
    images.reset();
    if (kafka) kafka->delete_topics({input, output, poison});
    admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    fs::remove(log_path);
  }

  std::string dsn(const std::string& db) {
    std::string base = env["POSTGRES_DSN"];
    return base.substr(0, base.rfind('/') + 1) + db;
  }
  void admin(const std::string& sql) {
    pqxx::connection connection(dsn("masks"));
    pqxx::nontransaction txn(connection);
    txn.exec0(sql);
  }
  pqxx::result query(const std::string& sql) {
    pqxx::connection connection(dsn(database));
    pqxx::nontransaction txn(connection);
    return txn.exec(sql);
  }

  void start_service() {
    service = std::make_unique<ServiceProcess>(env, log_path);
    service->start();
  }
  // One more instance in the same group, with its own log.
  ServiceProcess& start_instance() {
    instances.push_back(
        std::make_unique<ServiceProcess>(env, log_path.string() + "." + std::to_string(instance_count++)));
    instances.back()->start();
    return *instances.back();
  }

  static json request(const std::string& user, const std::string& request_id, json image, json types = nullptr) {
    json message = {{"user_id", user}, {"gender", "M"}, {"request_id", request_id}, {"image", image}};
    if (!types.is_null()) message["mask_types"] = types;
    return message;
  }
  void send(const json& message) { kafka->publish(input, message.value("user_id", "x"), message.dump()); }

  static std::map<std::string, json> by_request(const std::vector<json>& messages) {
    std::map<std::string, json> found;
    for (const auto& message : messages) found[message.value("request_id", "")] = message;
    return found;
  }

  std::map<std::string, std::string> env;
  // Topic-level settings of the poison topic, set before SetUp creates it.
  std::map<std::string, std::string> poison_config;
  std::string suffix, input, output, poison, group, database;
  std::unique_ptr<KafkaProbe> kafka;
  std::unique_ptr<ImageServer> images;
  std::unique_ptr<ServiceProcess> service;
  std::vector<std::unique_ptr<ServiceProcess>> instances;
  std::size_t instance_count = 0;
  std::string figure_png;
  fs::path log_path;
};

}  // namespace mc::service_test

// A Kafka broker for tests and local runs: librdkafka's mock cluster
// (rdkafka_mock.h) speaking the real Kafka protocol on loopback.
//
//   mc_dev_broker [--partitions N] [--topics a,b,c] [--bootstrap-file FILE]
//
// Creates the topics (default mask_input, mask_output, mask_input_poison)
// with N partitions (default 3), prints "bootstrap.servers=HOST:PORT" (and
// writes HOST:PORT to FILE), then runs until SIGINT or SIGTERM.
// SIGUSR1 takes the broker down (connections refused/dropped), SIGUSR2 brings
// it back up: tests use this to exercise broker outages.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_down_requests = 0;
volatile std::sig_atomic_t g_up_requests = 0;

void on_signal(int signal) {
  if (signal == SIGUSR1) {
    g_down_requests = g_down_requests + 1;
  } else if (signal == SIGUSR2) {
    g_up_requests = g_up_requests + 1;
  } else {
    g_stop = 1;
  }
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) parts.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

int usage() {
  std::fprintf(stderr, "usage: mc_dev_broker [--partitions N] [--topics a,b,c] [--bootstrap-file FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int partitions = 3;
  std::string topics = "mask_input,mask_output,mask_input_poison";
  std::string bootstrap_file;
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (option == "--partitions") {
      partitions = std::atoi(value.c_str());
      if (partitions < 1) return usage();
    } else if (option == "--topics") {
      topics = value;
    } else if (option == "--bootstrap-file") {
      bootstrap_file = value;
    } else {
      return usage();
    }
  }

  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);  // no "no bootstrap.servers" notice
  // The handle only hosts the mock cluster; it is not used as a client.
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handle == nullptr) {
    std::fprintf(stderr, "mc_dev_broker: %s\n", error);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, 1);
  if (cluster == nullptr) {
    std::fprintf(stderr, "mc_dev_broker: could not create the mock cluster\n");
    return 1;
  }
  for (const std::string& topic : split(topics)) {
    const rd_kafka_resp_err_t created = rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, 1);
    if (created != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "mc_dev_broker: topic %s: %s\n", topic.c_str(), rd_kafka_err2str(created));
      return 1;
    }
  }
  const char* bootstraps = rd_kafka_mock_cluster_bootstraps(cluster);
  if (!bootstrap_file.empty()) {
    const std::string temporary = bootstrap_file + ".tmp";
    FILE* file = std::fopen(temporary.c_str(), "w");
    if (file == nullptr || std::fprintf(file, "%s\n", bootstraps) < 0 || std::fclose(file) != 0 ||
        std::rename(temporary.c_str(), bootstrap_file.c_str()) != 0) {
      std::fprintf(stderr, "mc_dev_broker: cannot write %s\n", bootstrap_file.c_str());
      return 1;
    }
  }
  std::printf("bootstrap.servers=%s\n", bootstraps);
  std::fflush(stdout);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGUSR1, on_signal);
  std::signal(SIGUSR2, on_signal);
  int downs_applied = 0;
  int ups_applied = 0;
  while (g_stop == 0) {
    while (downs_applied < g_down_requests) {
      rd_kafka_mock_broker_set_down(cluster, 1);
      ++downs_applied;
      std::printf("broker down\n");
      std::fflush(stdout);
    }
    while (ups_applied < g_up_requests) {
      rd_kafka_mock_broker_set_up(cluster, 1);
      ++ups_applied;
      std::printf("broker up\n");
      std::fflush(stdout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}

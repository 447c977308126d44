// The operators' endpoint of `maskcomponent serve`: /healthz, /readyz and
// /metrics in each state, the counters after a known stream, and a real
// Prometheus server (Debian's prometheus) scraping the service.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <iterator>

#include "service_harness.hpp"

namespace mc::service_test {
namespace {

// The sum of the series of `name` whose labels include every one of
// `labels` (`key="value"` each), or nothing when there is none.
std::optional<double> metric(const std::string& text, const std::string& name,
                             const std::vector<std::string>& labels = {}) {
  std::istringstream lines(text);
  std::string line;
  std::optional<double> sum;
  while (std::getline(lines, line)) {
    if (line.rfind(name, 0) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    const std::string series = line.substr(0, line.rfind(' '));
    bool all = true;
    for (const auto& label : labels) all = all && series.find(label) != std::string::npos;
    if (all) sum = sum.value_or(0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

class OperationsTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    port = free_port();
    env["METRICS_PORT"] = std::to_string(port);
    env["METRICS_BIND_ADDRESS"] = "127.0.0.1";
    env["DEPENDENCY_CHECK_INTERVAL_SECONDS"] = "1";
  }
  HttpResult get(const std::string& path) { return http_get("http://127.0.0.1:" + std::to_string(port) + path); }
  // Polls `path` until `accept` or the timeout; returns the last answer.
  HttpResult wait_for(const std::string& path, const std::function<bool(const HttpResult&)>& accept,
                      std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    HttpResult last;
    while (std::chrono::steady_clock::now() < deadline) {
      last = get(path);
      if (accept(last)) return last;
      std::this_thread::sleep_for(100ms);
    }
    return last;
  }
  // /metrics once `name{labels}` has reached `value` (or after the timeout).
  std::string metrics_when(const std::string& name, const std::vector<std::string>& labels, double value) {
    return wait_for(
               "/metrics", [&](const HttpResult& answer) { return metric(answer.body, name, labels) == value; }, 60s)
        .body;
  }
  // /metrics once maskcomponent_retries_total{stage} has reached `count`
  // (or after the timeout).
  std::string metrics_after_retries(const std::string& stage, double count) {
    const std::vector<std::string> labels{"stage=\"" + stage + "\""};
    return wait_for(
               "/metrics",
               [&](const HttpResult& answer) {
                 return metric(answer.body, "maskcomponent_retries_total", labels).value_or(0) >= count;
               },
               120s)
        .body;
  }
  // `text` is in the service's log exactly once.
  void expect_logged_once(const std::string& text) {
    const std::string log = service->log_text();
    const auto first = log.find(text);
    ASSERT_NE(first, std::string::npos) << log;
    EXPECT_EQ(log.find(text, first + 1), std::string::npos) << "logged once:\n" << log;
  }
  int port = 0;
};

TEST_F(OperationsTest, EndpointsAnswerWhileStartingWhenReadyWithADependencyDownAndWhileShuttingDown) {
  start_service();
  // Starting: the endpoint is up before the models; live, not ready.
  const HttpResult first = wait_for(
      "/healthz", [](const HttpResult& answer) { return answer.status != 0; }, 60s);
  EXPECT_EQ(first.status, 200) << first.body;
  const HttpResult starting = get("/readyz");
  EXPECT_EQ(starting.status, 503) << starting.body;
  EXPECT_NE(starting.body.find("not ready"), std::string::npos) << starting.body;

  const HttpResult ready = wait_for(
      "/readyz", [](const HttpResult& answer) { return answer.status == 200; }, 90s);
  ASSERT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.body, "ready\n");
  const std::string text = get("/metrics").body;
  EXPECT_EQ(metric(text, "maskcomponent_build_info", {"version=\""}), 1.0) << text;
  EXPECT_GT(metric(text, "maskcomponent_model_load_seconds").value_or(0), 0.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_dependency_up", {"dependency=\"postgres\""}), 1.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_dependency_up", {"dependency=\"s3\""}), 1.0) << text;
  EXPECT_EQ(get("/nothing-here").status, 404);

  // S3 down: not ready, naming S3; still live.
  const std::string script = MC_SERVICES_SCRIPT;
  ASSERT_EQ(mc::test_support::run_command(script + " stop s3").exit_code, 0);
  const HttpResult down = wait_for(
      "/readyz", [](const HttpResult& answer) { return answer.status == 503; }, 30s);
  const int s3_up =
      static_cast<int>(metric(get("/metrics").body, "maskcomponent_dependency_up", {"dependency=\"s3\""}).value_or(-1));
  const HttpResult live = get("/healthz");
  ASSERT_EQ(mc::test_support::run_command(script + " start s3").exit_code, 0);
  EXPECT_EQ(down.status, 503);
  EXPECT_NE(down.body.find("s3:"), std::string::npos) << down.body;
  EXPECT_EQ(down.body.find("postgres:"), std::string::npos) << down.body;
  EXPECT_EQ(s3_up, 0);
  EXPECT_EQ(live.status, 200) << live.body;
  const HttpResult back = wait_for(
      "/readyz", [](const HttpResult& answer) { return answer.status == 200; }, 30s);
  EXPECT_EQ(back.status, 200) << back.body;

  // Shutting down with a request in flight (its image takes 3 s): not ready.
  send(request("ops", "req-slow", {{"type", "url"}, {"data", images->url("/slow.png")}}, json::array({"dress"})));
  ASSERT_EQ(wait_for(
                "/metrics",
                [](const HttpResult& answer) {
                  return metric(answer.body, "maskcomponent_requests_in_flight").value_or(0) > 0;
                },
                30s)
                .status,
            200);
  service->signal(SIGTERM);
  const HttpResult stopping = wait_for(
      "/readyz", [](const HttpResult& answer) { return answer.body.find("shutting down") != std::string::npos; }, 10s);
  EXPECT_EQ(stopping.status, 503) << stopping.body;
  EXPECT_EQ(service->stop(0), 0);  // signal 0: only waits for the exit
  EXPECT_EQ(kafka->read(output, 1, 10s).size(), 1U) << "the request in flight was finished";
}

TEST_F(OperationsTest, CountersFollowAKnownStreamOfGoodAndBadRequests) {
  start_service();
  for (int i = 0; i < 3; ++i) {
    send(request(numbered("good", i), numbered("req-good-", i), {{"type", "url"}, {"data", images->url("/figure.png")}},
                 json::array({"dress"})));
  }
  kafka->publish(input, "", "not json at all");
  send(json{{"gender", "M"}, {"request_id", "req-no-user"}, {"image", {{"type", "url"}, {"data", "x"}}}});
  send(request("bad", "req-missing", {{"type", "url"}, {"data", images->url("/missing.png")}}));
  // The same request again (its user's lane runs it after the first): answered from its record.
  send(request("good0", "req-good-0", {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
  ASSERT_EQ(kafka->read(output, 7, 120s).size(), 7U);

  const std::string text = metrics_when("maskcomponent_request_duration_seconds_count", {}, 7);
  EXPECT_EQ(metric(text, "maskcomponent_request_duration_seconds_count"), 7.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_requests_total", {"outcome=\"completed\""}), 3.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_requests_total", {"outcome=\"answered_from_record\""}), 1.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_requests_total", {"outcome=\"failed\""}), 3.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_requests_total", {"failure_class=\"invalid_request\""}), 2.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_requests_total", {"failure_class=\"image_unavailable\""}), 1.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_requests_total", {"failure_class=\"infrastructure\""}), 0.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_poison_messages_total"), 3.0) << text;
  for (const char* stage : {"parsing_atr", "parsing_lip", "pose", "masks", "encode", "upload"}) {
    EXPECT_EQ(metric(text, "maskcomponent_stage_duration_seconds_count", {std::string("stage=\"") + stage + "\""}), 3.0)
        << stage << "\n"
        << text;
  }
  EXPECT_EQ(metric(text, "maskcomponent_stage_duration_seconds_count", {"stage=\"publish\""}), 7.0) << text;
  EXPECT_EQ(metric(text, "maskcomponent_stage_duration_seconds_count", {"stage=\"queue_wait\""}), 7.0) << text;
  // The gauge follows the consume loop's next pass after a result, not the
  // result itself: wait for it rather than read it at once.
  const std::string settled = metrics_when("maskcomponent_requests_in_flight", {}, 0);
  EXPECT_EQ(metric(settled, "maskcomponent_requests_in_flight"), 0.0) << settled;
  EXPECT_EQ(metric(text, "maskcomponent_dropped_publications_total"), 0.0) << text;
  // librdkafka's statistics (every 5 s): the input's partitions, all read.
  const std::string lag = metrics_when("maskcomponent_consumer_lag_messages", {"topic=\"" + input + "\""}, 0);
  EXPECT_EQ(metric(lag, "maskcomponent_consumer_lag_messages", {"topic=\"" + input + "\""}), 0.0) << lag;
  EXPECT_EQ(metric(lag, "maskcomponent_dependency_up", {"dependency=\"kafka\""}), 1.0) << lag;
  EXPECT_EQ(service->stop(), 0);
}

// Prometheus 2 (Debian's prometheus) on loopback, scraping the service
// every second; stopped with the test.
class PrometheusServer {
 public:
  PrometheusServer(int target_port, const fs::path& folder) : port_(free_port()) {
    fs::create_directories(folder / "data");
    std::ofstream(folder / "prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n  - job_name: maskcomponent\n"
        << "    static_configs:\n      - targets: ['127.0.0.1:" << target_port << "']\n";
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open((folder / "prometheus.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      const std::string config = "--config.file=" + (folder / "prometheus.yml").string();
      const std::string storage = "--storage.tsdb.path=" + (folder / "data").string();
      const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      ::execl("/usr/bin/prometheus", "prometheus", config.c_str(), storage.c_str(), listen.c_str(), nullptr);
      ::_exit(127);
    }
  }
  ~PrometheusServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // The instant value of `query`, or nothing while Prometheus has none.
  std::optional<double> query(const std::string& promql) {
    char* escaped = curl_easy_escape(nullptr, promql.data(), static_cast<int>(promql.size()));
    const std::string encoded = escaped != nullptr ? escaped : "";
    curl_free(escaped);
    const HttpResult answer = http_get("http://127.0.0.1:" + std::to_string(port_) + "/api/v1/query?query=" + encoded);
    if (answer.status != 200) return std::nullopt;
    const json body = json::parse(answer.body, nullptr, false);
    if (body.is_discarded() || body.value("status", "") != "success") return std::nullopt;
    const json& result = body["data"]["result"];
    if (!result.is_array() || result.empty()) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

// A raw TCP client of the endpoint: connects to 127.0.0.1:port, sends what
// it is told, reads whatever comes back.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    const timeval wait{30, 0};  // a read that hangs this long counts as "not closed"
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  // False once the server has closed or reset the connection.
  bool send_text(const std::string& text) {
    return ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }
  // Everything until the server closes; `closed` false when a read timed out.
  std::string read_all(bool& closed) {
    std::string answer;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n > 0) {
        answer.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      closed = n == 0 || errno == ECONNRESET;
      return answer;
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

// Clients that never finish their headers, or send endless ones, do not
// starve the kubelet's probe: each holds one thread of its own for a
// bounded time, and headers have a size limit.
TEST_F(OperationsTest, SlowAndOversizedRequestsDoNotStarveTheLivenessProbe) {
  start_service();
  ASSERT_EQ(wait_for(
                "/healthz", [](const HttpResult& answer) { return answer.status == 200; }, 60s)
                .status,
            200);

  // Eight connections trickling one header line every 200 ms.
  std::atomic<bool> done{false};
  std::atomic<int> trickling{0};
  std::vector<std::thread> tricklers;
  for (int i = 0; i < 8; ++i) {
    tricklers.emplace_back([&, i] {
      RawClient client(port);
      if (!client.connected() || !client.send_text("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")) return;
      for (int line = 0; !done.load(); ++line) {
        if (!client.send_text("X-Slow-" + std::to_string(i) + "-" + std::to_string(line) + ": 1\r\n")) return;
        if (line == 1) ++trickling;
        std::this_thread::sleep_for(200ms);
      }
    });
  }
  // And one that sends 10 000 header lines at once, then ends its request.
  std::atomic<bool> flood_refused{false};
  std::string flood_answer;
  std::thread flood([&] {
    RawClient client(port);
    bool sent = client.connected() && client.send_text("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (int line = 0; sent && line < 10000; ++line)
      sent = client.send_text("X-Flood-" + std::to_string(line) + ": x\r\n");
    if (sent) sent = client.send_text("\r\n");
    bool closed = false;
    flood_answer = client.read_all(closed);
    // An error status, or the connection closed without an answer.
    const bool error_status = flood_answer.rfind("HTTP/1.1 4", 0) == 0 || flood_answer.rfind("HTTP/1.0 4", 0) == 0;
    flood_refused = closed && (error_status || flood_answer.empty());
  });
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (trickling.load() < 8 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(trickling.load(), 8) << "the slow clients were not all connected";

  // The probe's latency, with the generous bound the kubelet's default
  // timeoutSeconds (1 s) gives.
  const auto asked = std::chrono::steady_clock::now();
  const HttpResult probe = get("/healthz");
  const auto took = std::chrono::steady_clock::now() - asked;
  std::cout << "/healthz answered in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms beside 8 slow clients and a 10 000-line one\n";
  done = true;
  for (auto& trickler : tricklers) trickler.join();
  flood.join();
  EXPECT_EQ(probe.status, 200) << probe.body;
  EXPECT_LT(took, 1s);
  EXPECT_TRUE(flood_refused.load()) << "10 000 header lines were accepted: " << flood_answer.substr(0, 200);
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(service->stop(), 0);
}

// A port already taken fails start-up at once, naming the setting.
TEST_F(OperationsTest, APortAlreadyInUseFailsStartUpNamingMetricsPort) {
  const int taken = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(taken, 4), 0);
  start_service();
  const int code = service->stop(0, 120s);  // signal 0: only waits for the exit
  ::close(taken);
  EXPECT_EQ(code, 2) << "a setup error";
  const std::string expected = "METRICS_PORT " + std::to_string(port) + " on 127.0.0.1: cannot listen";
  EXPECT_NE(service->log_text().find(expected), std::string::npos) << service->log_text();
}

// The broker creates no topic by itself (auto.create.topics.enable=false,
// as in production): with the output topic missing the service says so
// (readiness names the topic, one log line however often it asks again, the
// Kafka gauge) and consumes nothing: the waiting request is not fetched,
// computed or stored. Once the topic exists the request completes.
TEST_F(OperationsTest, AMissingOutputTopicFailsReadinessAndNothingIsConsumedUntilItIsCreated) {
  kafka->delete_topics({output});
  send(request("noout", "req-no-output", {{"type", "url"}, {"data", images->url("/figure.png")}},
               json::array({"dress"})));
  start_service();
  const std::string missing = output + " does not exist";
  const HttpResult refused = wait_for(
      "/readyz", [&](const HttpResult& answer) { return answer.body.find(missing) != std::string::npos; }, 120s);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("kafka: " + missing + " (nothing is consumed until they exist)"), std::string::npos)
      << refused.body;
  // Asked two more times, the reason is still logged once.
  const std::string asked = metrics_after_retries("topics", 3);
  EXPECT_GE(metric(asked, "maskcomponent_retries_total", {"stage=\"topics\""}).value_or(0), 3.0) << asked;
  EXPECT_EQ(metric(asked, "maskcomponent_dependency_up", {"dependency=\"kafka\""}), 0.0) << asked;
  expect_logged_once("cannot publish results: " + missing);
  EXPECT_EQ(images->hits("figure"), 0) << "a request that cannot be answered is not even fetched";
  EXPECT_EQ(metric(asked, "maskcomponent_stage_duration_seconds_count", {"stage=\"upload\""}).value_or(0), 0.0)
      << "nothing was stored: " << asked;
  EXPECT_EQ(kafka->committed(group, input, 4), 0) << "a request without a result is not consumed";

  kafka->create_topics({{output, 4, {}}});
  const auto results = kafka->read(output, 1, 120s);
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0]["status"], "completed");
  EXPECT_EQ(images->hits("figure"), 1);
  const HttpResult ready = wait_for(
      "/readyz", [](const HttpResult& answer) { return answer.status == 200; }, 60s);
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(metric(get("/metrics").body, "maskcomponent_dependency_up", {"dependency=\"kafka\""}), 1.0);
  EXPECT_NE(service->log_text().find("the result topics exist now; consuming"), std::string::npos);
  EXPECT_EQ(service->stop(), 0);
}

// A topic deleted while the service runs: the request taken is computed,
// but its result waits (readiness fails, logged once, retried) and its
// offset is not committed; once the topic is back the result is published.
TEST_F(OperationsTest, AnOutputTopicDeletedWhileRunningHoldsTheResultUntilItIsBack) {
  start_service();
  wait_for(
      "/readyz", [](const HttpResult& answer) { return answer.status == 200; }, 120s);
  kafka->delete_topics({output});
  send(request("gone", "req-output-gone", {{"type", "url"}, {"data", images->url("/figure.png")}},
               json::array({"dress"})));
  // librdkafka reports a topic the broker does not have after
  // topic.metadata.propagation.max.ms (30 s).
  const HttpResult refused = wait_for(
      "/readyz",
      [](const HttpResult& answer) { return answer.body.find("publishing results failed") != std::string::npos; },
      120s);
  EXPECT_EQ(refused.status, 503) << refused.body;
  const std::string retried = metrics_after_retries("publish", 2);
  EXPECT_EQ(metric(retried, "maskcomponent_dependency_up", {"dependency=\"kafka\""}), 0.0) << retried;
  expect_logged_once("publishing to " + output + " failed: the topic does not exist");
  EXPECT_EQ(kafka->committed(group, input, 4), 0) << "a request without a result is not consumed";

  kafka->create_topics({{output, 4, {}}});
  const auto results = kafka->read(output, 1, 120s);
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0]["status"], "completed");
  EXPECT_EQ(wait_for(
                "/readyz", [](const HttpResult& answer) { return answer.status == 200; }, 60s)
                .status,
            200);
  EXPECT_NE(service->log_text().find("publishing to " + output + " works again"), std::string::npos);
  EXPECT_EQ(service->stop(), 0);
}

// One partition row of `kafka-consumer-groups --describe`.
struct GroupRow {
  int partition = -1;
  std::string current_offset, log_end_offset, lag, consumer_id;
};

// The rows of `topic` in the tool's table (columns found by their headers).
std::vector<GroupRow> group_rows(const std::string& table, const std::string& topic) {
  std::istringstream lines(table);
  std::string line;
  std::map<std::string, std::size_t> column;
  std::vector<GroupRow> rows;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> cells{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
    if (!cells.empty() && cells[0] == "GROUP") {
      for (std::size_t i = 0; i < cells.size(); ++i) column[cells[i]] = i;
      continue;
    }
    if (column.empty() || cells.size() < column.size() || cells[column["TOPIC"]] != topic) continue;
    rows.push_back({std::stoi(cells[column["PARTITION"]]), cells[column["CURRENT-OFFSET"]],
                    cells[column["LOG-END-OFFSET"]], cells[column["LAG"]], cells[column["CONSUMER-ID"]]});
  }
  return rows;
}

// Kafka's own consumer-groups tool, the operators' first look at a stuck
// group (docs/operations.md), agrees with the service's lag gauge. The
// comparison is made at rest: three requests held in flight by the image
// server on partition 0, everything else answered.
TEST_F(OperationsTest, KafkasConsumerGroupsToolShowsOurMembersAndTheLagOfOurGauge) {
  env["IMAGE_TIMEOUT_MS"] = "600000";  // the held downloads wait, they do not time out and retry
  start_service();
  for (int p = 0; p < 4; ++p) {  // one completed request per partition: each has a committed offset
    kafka->publish(input, numbered("warm", p),
                   request(numbered("warm", p), numbered("req-warm-", p),
                           {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"}))
                       .dump(),
                   p);
  }
  ASSERT_EQ(kafka->read(output, 4, 120s).size(), 4U);
  constexpr int kHeld = 3;
  for (int i = 0; i < kHeld; ++i) {
    kafka->publish(input, "held",
                   request("held", numbered("req-held-", i), {{"type", "url"}, {"data", images->url("/held.png")}},
                           json::array({"dress"}))
                       .dump(),
                   0);
  }
  // The gauge follows librdkafka's statistics (every 5 s).
  const std::string text = metrics_when("maskcomponent_consumer_lag_messages", {"topic=\"" + input + "\""}, kHeld);
  ASSERT_EQ(metric(text, "maskcomponent_consumer_lag_messages", {"topic=\"" + input + "\""}), kHeld) << text;
  EXPECT_EQ(metric(text, "maskcomponent_consumer_lag_messages", {"topic=\"" + input + "\"", "partition=\"0\""}), kHeld)
      << text;

  const std::string tool = (fs::path(MC_SERVICES_SCRIPT).parent_path() / "kafka" / "tool.sh").string();
  const auto described =
      mc::test_support::run_command(tool + " consumer-groups --bootstrap-server " + env["KAFKA_BOOTSTRAP_SERVERS"] +
                                    " --group " + group + " --describe");
  images->release_held();
  ASSERT_EQ(described.exit_code, 0) << described.output;
  std::cout << described.output;
  const auto rows = group_rows(described.output, input);
  ASSERT_EQ(rows.size(), 4U) << described.output;
  for (const auto& row : rows) {
    EXPECT_NE(row.consumer_id, "-") << "partition " << row.partition << " has a member\n" << described.output;
    EXPECT_EQ(row.lag, row.partition == 0 ? std::to_string(kHeld) : "0") << row.partition << "\n" << described.output;
    EXPECT_EQ(row.current_offset, "1") << row.partition << ": the warm-up request, committed";
  }
  EXPECT_EQ(kafka->read(output, 4 + kHeld, 120s).size(), 4U + kHeld) << "released, the held requests complete";
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(OperationsTest, ARealPrometheusServerScrapesTheRequestCount) {
  ASSERT_TRUE(fs::exists("/usr/bin/prometheus")) << "Debian's prometheus package is not installed";
  const fs::path folder = fs::temp_directory_path() / ("mc_prometheus_" + suffix);
  start_service();
  PrometheusServer prometheus(port, folder);
  send(request("prom0", "req-prom-0", {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
  send(request("prom1", "req-prom-1", {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
  ASSERT_EQ(kafka->read(output, 2, 120s).size(), 2U);

  std::optional<double> count;
  std::optional<double> up;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    count = prometheus.query("sum(maskcomponent_requests_total{outcome=\"completed\"})");
    up = prometheus.query("up{job=\"maskcomponent\"}");
    if (count == 2.0 && up == 1.0) break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(count, 2.0);
  EXPECT_EQ(up, 1.0);
  EXPECT_EQ(service->stop(), 0);
  fs::remove_all(folder);
}

}  // namespace
}  // namespace mc::service_test

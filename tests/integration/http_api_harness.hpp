#pragma once

// The fixture of the HTTP API's tests (http_api_test.cpp, http_api_guard_test.cpp):
// `maskcomponent serve` with HTTP_API_PORT, a client, a raw socket exchange,
// the spec checker and the metrics.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <future>

#include "service_harness.hpp"

namespace mc::service_test {

inline constexpr const char* kToken = "test-token-0123456789";

// Images whose download waits until the test lets it go, so that a request
// is in progress for as long as the test needs (for 429 and 503).
class HeldImageServer {
 public:
  explicit HeldImageServer(std::string png) : png_(std::move(png)) {
    server_.Get("/held.png", [this](const httplib::Request&, httplib::Response& response) {
      std::unique_lock lock(mutex_);
      ++waiting_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return released_; });
      response.set_content(png_, "image/png");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~HeldImageServer() {
    release();
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/held.png"; }
  // True once `count` downloads wait (false after the deadline).
  bool wait_for_waiting(int count, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return waiting_ >= count; });
  }
  void release() {
    const std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::string png_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool released_ = false;
};

// `bytes` sent on one connection, whose sending side is then closed; what
// came back until the server closed it (empty when nothing did in 60 s).
inline std::string raw_exchange(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    ::shutdown(fd, SHUT_WR);
    char buffer[4096];
    for (ssize_t got; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      answer.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return answer;
}

struct Exchange {
  std::string method, path;
  int status = 0;
  std::string content_type, body;
  std::map<std::string, std::string> headers;
};

class HttpApiTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    api_port = free_port();
    metrics_port = free_port();
    env["HTTP_API_PORT"] = std::to_string(api_port);
    env["HTTP_API_TOKEN"] = kToken;
    env["HTTP_API_MAX_QUEUE"] = "1";
    env["METRICS_PORT"] = std::to_string(metrics_port);
    env["METRICS_BIND_ADDRESS"] = "127.0.0.1";
    // Small enough that a body over the bound is cheap to send.
    env["IMAGE_MAX_BYTES"] = std::to_string(figure_png.size() * 2);
  }

  Exchange post(const std::string& path, const std::string& body, bool with_token = true) {
    httplib::Client client("127.0.0.1", api_port);
    client.set_read_timeout(120, 0);
    client.set_write_timeout(60, 0);
    httplib::Headers headers;
    if (with_token) headers.emplace("Authorization", std::string("Bearer ") + kToken);
    const auto result = client.Post(path, headers, body, "application/json");
    Exchange exchange;
    exchange.method = "POST";
    exchange.path = path;
    if (!result) {  // status 0: no answer
      exchange.body = httplib::to_string(result.error());
      return exchange;
    }
    exchange.status = result->status;
    exchange.content_type = result->get_header_value("Content-Type");
    exchange.body = result->body;
    for (const char* name : {"Retry-After", "WWW-Authenticate"}) {
      if (result->has_header(name)) exchange.headers[name] = result->get_header_value(name);
    }
    return exchange;
  }

  // Until the API serves: an empty request answered 400, not 503 (not ready)
  // or nothing (not listening yet).
  void wait_until_serving() {
    Exchange probe;
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    while (std::chrono::steady_clock::now() < deadline && (probe.status == 0 || probe.status == 503)) {
      probe = post("/v1/masks", "{}", false);
      std::this_thread::sleep_for(200ms);
    }
    ASSERT_EQ(probe.status, 400) << probe.body;
  }
  Exchange recorded(Exchange exchange) {
    exchanges.push_back(exchange);
    return exchange;
  }
  static json body_of(const Exchange& exchange) { return json::parse(exchange.body); }
  static std::string header(const Exchange& exchange, const std::string& name) {
    const auto found = exchange.headers.find(name);
    return found == exchange.headers.end() ? "" : found->second;
  }

  json masks_request(const std::string& request_id, json image) const {
    return request("api-user", request_id, std::move(image), json::array({"upper_body", "lower_body"}));
  }
  json base64_image() const { return {{"type", "base64"}, {"data", mc::core::encode_base64(figure_png)}}; }

  // The spec's verdict on `list`: the checker's exit code and output.
  mc::test_support::CliRun check_against_spec(const std::vector<Exchange>& list) {
    json all = json::array();
    for (const auto& exchange : list) {
      all.push_back({{"method", exchange.method},
                     {"path", exchange.path},
                     {"status", exchange.status},
                     {"content_type", exchange.content_type},
                     {"headers", exchange.headers},
                     {"body", exchange.body}});
    }
    const fs::path file = fs::temp_directory_path() / ("mc_http_api_" + suffix + ".json");
    std::ofstream(file) << all.dump();
    auto run = mc::test_support::run_command(std::string(MC_PYTHON3) + " " + MC_SOURCE_DIR +
                                             "/tests/integration/openapi_check.py " + MC_SOURCE_DIR +
                                             "/docs/openapi.yaml " + file.string());
    fs::remove(file);
    return run;
  }

  int api_port = 0;
  int metrics_port = 0;
  std::vector<Exchange> exchanges;
};

inline double metric_value(const std::string& text, const std::string& name, const std::vector<std::string>& labels) {
  double sum = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    bool all = true;
    for (const auto& label : labels) all = all && line.find(label) != std::string::npos;
    if (all) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

}  // namespace mc::service_test

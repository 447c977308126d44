// What the HTTP API holds against hostile or careless clients (README "HTTP
// API"): a body trickled byte by byte is cut off at HTTP_API_BODY_TIMEOUT_SECONDS
// and does not hold a stop; without a token, web pages (a foreign Origin, a
// rebound Host, a body that is not JSON) are refused; the bearer scheme is
// read in any case. Fixture in http_api_harness.hpp.
#include "http_api_harness.hpp"

namespace mc::service_test {
namespace {

// One connection that the test writes to piece by piece.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool send(const std::string& text) {
    return connected_ && ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }
  // True once the server wrote or closed (without waiting).
  bool answered() {
    char byte = 0;
    return ::recv(fd_, &byte, 1, MSG_DONTWAIT | MSG_PEEK) >= 0;
  }
  // Everything until the server closes (60 s at most).
  std::string answer() {
    timeval timeout{60, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string text;
    char buffer[4096];
    for (ssize_t got; (got = ::recv(fd_, buffer, sizeof buffer, 0)) > 0;)
      text.append(buffer, static_cast<std::size_t>(got));
    return text;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class HttpApiGuardTest : public HttpApiTest {
 protected:
  std::string host() const { return "127.0.0.1:" + std::to_string(api_port); }
  std::string headers(const std::string& length) const {
    return "POST /v1/masks HTTP/1.1\r\nHost: " + host() +
           "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n";
  }
  // One byte of a 1000-byte body every 250 ms, until the server answers
  // (or `limit` passes); the answer and how long it took from the headers.
  std::pair<std::string, std::chrono::milliseconds> trickle(RawConnection& connection, std::chrono::seconds limit,
                                                            const std::function<void()>& meanwhile = {}) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(connection.send(headers("1000") + "{"));
    bool called = false;
    while (!connection.answered() && std::chrono::steady_clock::now() - started < limit) {
      if (!connection.send(" ")) break;
      if (meanwhile && !called) {
        called = true;
        meanwhile();
      }
      std::this_thread::sleep_for(250ms);
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return {connection.answer(), took};
  }
  // A raw answer as an Exchange, recorded for the spec's check.
  Exchange parsed(const std::string& method, const std::string& raw) {
    Exchange exchange;
    exchange.method = method;
    exchange.path = method == "GET" ? "/" : "/v1/masks";
    if (raw.rfind("HTTP/1.1 ", 0) == 0) exchange.status = std::stoi(raw.substr(9, 3));
    const auto end = raw.find("\r\n\r\n");
    std::istringstream lines(raw.substr(0, end));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(": ");
      if (colon == std::string::npos) continue;
      const std::string name = line.substr(0, colon);
      if (name == "Content-Type") exchange.content_type = line.substr(colon + 2);
      if (name == "Retry-After" || name == "WWW-Authenticate") exchange.headers[name] = line.substr(colon + 2);
    }
    if (end != std::string::npos) exchange.body = raw.substr(end + 4);
    return recorded(exchange);
  }
  // Sends `request` as is; the status code answered (0: none).
  int status_of(const std::string& request) {
    return parsed(request.substr(0, request.find(' ')), raw_exchange(api_port, request)).status;
  }
  // Until the trickling client holds the only admission: a request then gets 429.
  void wait_until_admission_is_held() {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    Exchange probe;
    while (std::chrono::steady_clock::now() < deadline && probe.status != 429) {
      probe = post("/v1/masks", "{}", false);
      if (probe.status != 429) std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(probe.status, 429) << probe.body;
  }
};

// A client trickling its body (each byte within CivetWeb's 5 s per read, so
// that mg_read never times out) is cut off at the body's deadline with 400,
// and its admission goes to the next request (HTTP_API_MAX_QUEUE=1).
TEST_F(HttpApiGuardTest, ABodyTrickledByteByByteIsCutOffAtItsDeadline) {
  env.erase("HTTP_API_TOKEN");
  env["HTTP_API_BODY_TIMEOUT_SECONDS"] = "2";
  start_service();
  ASSERT_NO_FATAL_FAILURE(wait_until_serving());

  RawConnection trickler(api_port);
  const auto [answer, took] = trickle(trickler, 60s, [&] { wait_until_admission_is_held(); });
  std::cout << "trickled body answered after " << took.count() << " ms\n";
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0U) << answer;
  EXPECT_NE(answer.find("request body not received within 2 s (HTTP_API_BODY_TIMEOUT_SECONDS)"), std::string::npos)
      << answer;
  EXPECT_LT(took, 20s) << "the 1000 bytes would take 250 s";
  parsed("POST", answer);

  const Exchange next = recorded(post("/v1/masks", masks_request("req-after-trickler", base64_image()).dump(), false));
  EXPECT_EQ(next.status, 200) << next.body;
  const auto verdict = check_against_spec(exchanges);
  EXPECT_EQ(verdict.exit_code, 0) << verdict.output;
  EXPECT_EQ(service->stop(), 0);
}

// A stop cuts a trickled body at once (503) instead of waiting for it: the
// service exits cleanly well before the grace period and its margin.
TEST_F(HttpApiGuardTest, AStopDoesNotWaitForAClientTricklingItsBody) {
  env.erase("HTTP_API_TOKEN");
  env["SHUTDOWN_GRACE_SECONDS"] = "5";
  start_service();
  ASSERT_NO_FATAL_FAILURE(wait_until_serving());

  RawConnection trickler(api_port);
  std::future<int> exit_code;
  std::chrono::steady_clock::time_point stopped;
  const auto [answer, took] = trickle(trickler, 60s, [&] {
    wait_until_admission_is_held();
    stopped = std::chrono::steady_clock::now();
    exit_code = std::async(std::launch::async, [&] { return service->stop(SIGTERM, 60s); });
  });
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0U) << answer;
  EXPECT_EQ(parsed("POST", answer).headers["Retry-After"], "5");
  EXPECT_EQ(exit_code.get(), 0) << "exit 1: the shutdown watchdog ended the service";
  const auto stopping = std::chrono::steady_clock::now() - stopped;
  std::cout << "stopped in " << std::chrono::duration_cast<std::chrono::milliseconds>(stopping).count()
            << " ms beside a trickling client\n";
  EXPECT_LT(stopping, 15s);
}

// Without HTTP_API_TOKEN, what a web page can make a browser send is refused
// before anything is computed or written; the API's own page and clients
// that are not browsers are served.
TEST_F(HttpApiGuardTest, WithoutATokenForeignPagesAreRefused) {
  env.erase("HTTP_API_TOKEN");
  start_service();
  ASSERT_NO_FATAL_FAILURE(wait_until_serving());
  const std::string body = masks_request("req-page", base64_image()).dump();
  const auto request = [&](const std::string& host, const std::string& more) {
    return "POST /v1/masks HTTP/1.1\r\nHost: " + host + "\r\n" + more +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  const std::string json = "Content-Type: application/json\r\n";

  // A form or text/plain body needs no CORS preflight: 415.
  const std::string plain =
      raw_exchange(api_port, request(host(), "Content-Type: text/plain\r\nOrigin: http://evil.example\r\n"));
  EXPECT_EQ(plain.rfind("HTTP/1.1 403", 0), 0U) << "a foreign Origin first: " << plain;
  const std::string text = raw_exchange(api_port, request(host(), "Content-Type: text/plain\r\n"));
  EXPECT_EQ(text.rfind("HTTP/1.1 415", 0), 0U) << text;
  EXPECT_NE(text.find("Content-Type must be application/json"), std::string::npos) << text;
  EXPECT_EQ(status_of(request(host(), "")), 415) << "no Content-Type";
  EXPECT_EQ(status_of(request(host(), "Content-Type: application/x-www-form-urlencoded\r\n")), 415);
  // Another page's origin, or an opaque one: 403.
  EXPECT_EQ(status_of(request(host(), json + "Origin: http://evil.example\r\n")), 403);
  EXPECT_EQ(status_of(request(host(), json + "Origin: null\r\n")), 403);
  // A page's own name resolving here (DNS rebinding): 403, also for the page.
  const std::string rebound = raw_exchange(api_port, request("evil.example:" + std::to_string(api_port), json));
  EXPECT_EQ(rebound.rfind("HTTP/1.1 403", 0), 0U) << rebound;
  EXPECT_NE(rebound.find("Host must name this server"), std::string::npos) << rebound;
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n"), 403);
  EXPECT_EQ(query("SELECT 1 FROM mask_requests WHERE request_id = 'req-page'").size(), 0U) << "nothing was written";

  // The page at / (its own origin, JSON) and a plain client are served.
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: localhost:" + std::to_string(api_port) + "\r\n\r\n"), 200);
  const std::string page = raw_exchange(api_port, request(host(), json + "Origin: http://" + host() + "\r\n"));
  EXPECT_EQ(page.rfind("HTTP/1.1 200", 0), 0U) << page;
  EXPECT_EQ(status_of(request("localhost:" + std::to_string(api_port),
                              "Content-Type: Application/JSON; charset=utf-8\r\nOrigin: http://localhost:" +
                                  std::to_string(api_port) + "\r\n")),
            200);
  EXPECT_EQ(query("SELECT status FROM mask_requests WHERE request_id = 'req-page'")[0][0].as<std::string>(),
            "completed");
  for (const std::string* answer : {&plain, &text, &rebound, &page}) parsed("POST", *answer);
  const auto verdict = check_against_spec(exchanges);
  EXPECT_EQ(verdict.exit_code, 0) << verdict.output;
  EXPECT_EQ(service->stop(), 0);
}

// RFC 9110 11.1: the authentication scheme is case-insensitive.
TEST_F(HttpApiGuardTest, TheBearerSchemeIsReadInAnyCase) {
  start_service();
  Exchange invalid;
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  for (const char* scheme : {"bearer", "BEARER", "Bearer"}) {
    httplib::Client client("127.0.0.1", api_port);
    client.set_read_timeout(60, 0);
    do {
      const auto result =
          client.Post("/v1/masks", {{"Authorization", std::string(scheme) + " " + kToken}}, "{}", "application/json");
      invalid.status = result ? result->status : 0;
      invalid.body = result ? result->body : httplib::to_string(result.error());
      if (invalid.status == 0 || invalid.status == 503) std::this_thread::sleep_for(200ms);
    } while ((invalid.status == 0 || invalid.status == 503) && std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(invalid.status, 400) << scheme << ": " << invalid.body;
  }
  const auto wrong = post("/v1/masks", "{}", false);
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(service->stop(), 0);
}

}  // namespace
}  // namespace mc::service_test

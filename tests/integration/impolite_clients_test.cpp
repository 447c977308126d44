// Clients as probes, scrapers, load balancers and browsers really behave,
// against both HTTP servers of `maskcomponent serve` (the operators'
// endpoint and the API): they connect and close, hang up after the request
// line or half-way through the headers, send a request and never read the
// answer, read half of a large one, reset instead of closing, pipeline two
// requests, and run `curl | head -1`. 2,000 of them per route; after each
// kind the process is alive, answers /healthz, and has its thread count and
// memory back where they were. Then a clean stop, whose log gives the HTTP
// threads' stack figures (docs/operations.md). Before CivetWeb's own build
// (Debian's 100 KiB worker stacks, issue 27) a few dozen of these crashed it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <functional>

#include "service_harness.hpp"

namespace mc::service_test {
namespace {

constexpr int kPerRoute = 2000;

// Under ASan resident memory says little: its allocator keeps freed memory
// in a quarantine and per-thread caches (tens of MB over the endpoint's 64
// threads). There LeakSanitizer checks the memory instead, at the clean stop
// (a leak fails it: exit code not 0).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kResidentMemoryIsMeaningful = false;
#else
constexpr bool kResidentMemoryIsMeaningful = true;
#endif

// One connection to 127.0.0.1:port; reads and writes never wait long.
class Connection {
 public:
  explicit Connection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    const timeval wait{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof(wait));
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return connected_; }
  void send_text(const std::string& text) { (void)::send(fd_, text.data(), text.size(), MSG_NOSIGNAL); }
  // Up to `limit` bytes of the answer (all of it when it is shorter).
  std::string read(std::size_t limit) {
    std::string answer;
    char buffer[4096];
    while (answer.size() < limit) {
      const ssize_t n = ::recv(fd_, buffer, std::min(sizeof(buffer), limit - answer.size()), 0);
      if (n <= 0) break;
      answer.append(buffer, static_cast<std::size_t>(n));
    }
    return answer;
  }
  // Closes with a TCP reset instead of a FIN (SO_LINGER with no time).
  void reset() {
    const linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  bool connected_ = false;
};

struct Route {
  std::string name;
  int port;
  std::string request;  // the whole request, as a client sends it
};

// Each way a client misbehaves, given one route; returns false only when
// the server could not even be connected to.
using Behaviour = std::function<bool(const Route&)>;

std::vector<std::pair<std::string, Behaviour>> behaviours() {
  return {
      {"connect and close", [](const Route& route) { return Connection(route.port).connected(); }},
      {"close after the request line",
       [](const Route& route) {
         Connection client(route.port);
         client.send_text(route.request.substr(0, route.request.find("\r\n") + 2));
         return client.connected();
       }},
      {"close half-way through the headers",
       [](const Route& route) {
         Connection client(route.port);
         client.send_text(route.request.substr(0, route.request.find("\r\n\r\n") / 2 + 1));
         return client.connected();
       }},
      {"close before reading the answer",
       [](const Route& route) {
         Connection client(route.port);
         client.send_text(route.request);
         return client.connected();
       }},
      {"close half-way through the answer",
       [](const Route& route) {
         Connection client(route.port);
         client.send_text(route.request);
         (void)client.read(64);
         return client.connected();
       }},
      {"reset instead of closing",
       [](const Route& route) {
         Connection client(route.port);
         client.send_text(route.request);
         (void)client.read(1);
         client.reset();
         return true;
       }},
      {"reset right after the request",
       [](const Route& route) {
         Connection client(route.port);
         client.send_text(route.request);
         client.reset();
         return true;
       }},
      {"two requests pipelined",
       [](const Route& route) {
         Connection client(route.port);
         client.send_text(route.request + route.request);
         (void)client.read(1 << 20);
         return client.connected();
       }},
  };
}

// The service process's thread count and resident memory (/proc).
struct ProcessFigures {
  long threads = 0;
  long rss_kb = 0;
};
ProcessFigures figures_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  ProcessFigures figures;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) figures.threads = std::stol(line.substr(8));
    if (line.rfind("VmRSS:", 0) == 0) figures.rss_kb = std::stol(line.substr(6));
  }
  return figures;
}

class ImpoliteClientsTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    status_port = free_port();
    api_port = free_port();
    env["METRICS_PORT"] = std::to_string(status_port);
    env["METRICS_BIND_ADDRESS"] = "127.0.0.1";
    env["HTTP_API_PORT"] = std::to_string(api_port);
  }
  HttpResult get(int port, const std::string& path) {
    return http_get("http://127.0.0.1:" + std::to_string(port) + path);
  }
  // Until `holds` or 60 s; whether it held.
  static bool eventually(const std::function<bool()>& holds) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!holds()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(100ms);
    }
    return true;
  }
  int status_port = 0;
  int api_port = 0;
};

std::string get_request(const std::string& path, int port) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nUser-Agent: impolite\r\nAccept: */*\r\n\r\n";
}

TEST_F(ImpoliteClientsTest, NoClientBehaviourCrashesOrWedgesEitherServer) {
  start_service();
  ServiceProcess& serve = *service;
  ASSERT_TRUE(eventually([&] { return get(status_port, "/readyz").status == 200; })) << "the service got ready";
  const std::string bad_body = "{\"user_id\": 1}";
  const std::vector<Route> routes = {
      {"status /healthz", status_port, get_request("/healthz", status_port)},
      {"status /readyz", status_port, get_request("/readyz", status_port)},
      {"status /metrics", status_port, get_request("/metrics", status_port)},
      {"api /", api_port, get_request("/", api_port)},
      {"api POST /v1/masks", api_port,
       "POST /v1/masks HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(api_port) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(bad_body.size()) + "\r\n\r\n" +
           bad_body},
  };
  // Every route once politely first, so that what is made on first use is there.
  for (const auto& route : routes) {
    Connection client(route.port);
    client.send_text(route.request);
    EXPECT_EQ(client.read(12).substr(0, 9), "HTTP/1.1 ") << route.name;
  }
  // The fewest threads over a second: a short-lived one is not the baseline.
  ProcessFigures before = figures_of(serve.pid());
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(100ms);
    before.threads = std::min(before.threads, figures_of(serve.pid()).threads);
  }
  std::cout << "before: " << before.threads << " threads, " << before.rss_kb << " kB resident\n";

  const auto kinds = behaviours();
  const int ways = static_cast<int>(kinds.size()) + 1;  // and curl | head -1
  const int rounds = (kPerRoute + ways - 1) / ways;
  for (const auto& route : routes) {
    for (const auto& [kind, behave] : kinds) {
      // Four clients at once, as a scraper's and a probe's retries overlap.
      std::atomic<int> refused{0};
      std::vector<std::thread> clients;
      for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, c] {
          for (int i = c; i < rounds; i += 4) refused += behave(route) ? 0 : 1;
        });
      }
      for (auto& client : clients) client.join();
      ASSERT_TRUE(serve.alive()) << route.name << ", " << kind << ": the service died";
      EXPECT_EQ(refused.load(), 0) << route.name << ", " << kind << ": connections refused";
      EXPECT_EQ(get(status_port, "/healthz").status, 200) << route.name << ", " << kind;
    }
    // And as a shell user does: curl | head -1, which closes the pipe early.
    const std::string url =
        "http://127.0.0.1:" + std::to_string(route.port) +
        route.request.substr(route.request.find(' ') + 1, route.request.find(" HTTP/") - route.request.find(' ') - 1);
    const std::string method = route.request.substr(0, route.request.find(' '));
    const std::string data = method == "POST" ? " -H 'Content-Type: application/json' --data '" + bad_body + "'" : "";
    const auto curl = mc::test_support::run_command("for i in $(seq 1 " + std::to_string(rounds) + "); do curl -s -X " +
                                                    method + data + " '" + url + "' | head -1 > /dev/null; done");
    EXPECT_EQ(curl.exit_code, 0) << curl.output;
    ASSERT_TRUE(serve.alive()) << route.name << ", curl | head -1: the service died";

    // Back where it was: no thread left behind, no memory kept per client.
    ProcessFigures now;
    const bool settled = eventually([&] {
      now = figures_of(serve.pid());
      return now.threads <= before.threads && (!kResidentMemoryIsMeaningful || now.rss_kb <= before.rss_kb + 32 * 1024);
    });
    EXPECT_TRUE(settled) << route.name << ": " << now.threads << " threads (before " << before.threads << "), "
                         << now.rss_kb << " kB resident (before " << before.rss_kb << ")";
    std::cout << route.name << ": " << ways * rounds << " clients; then " << now.threads << " threads, " << now.rss_kb
              << " kB resident\n";
  }
  EXPECT_EQ(get(status_port, "/readyz").status, 200);

  // A clean stop; the log has the HTTP threads' stack figures.
  ASSERT_EQ(serve.stop(SIGTERM), 0);
  const std::string log = serve.log_text();
  const auto at = log.find("\"event\":\"http_stacks\"");
  ASSERT_NE(at, std::string::npos) << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  const std::string line = log.substr(log.rfind('\n', at) + 1, log.find('\n', at) - log.rfind('\n', at) - 1);
  const json stacks = json::parse(line);
  std::cout << "HTTP thread stacks: " << line << '\n';
  const auto free_bytes = stacks.at("least_free_bytes").get<std::size_t>();
  const auto deepest = stacks.at("deepest_use_bytes").get<std::size_t>();
  EXPECT_GE(free_bytes, 512U * 1024U) << "every HTTP thread had at least 512 KiB of stack free";
  EXPECT_GT(deepest, 0U) << "the deepest use was measured";
  EXPECT_LT(deepest * 4, free_bytes) << "a wide headroom: the deepest use under a quarter of the free stack";
}

// The seed's way to scale is more instances with the same variables: a
// second one on the host, the default METRICS_PORT taken, serves without its
// endpoint and says so once; a METRICS_PORT set and taken stays an error.
TEST_F(ImpoliteClientsTest, ASecondInstanceOnTheHostRunsWithoutTheDefaultStatusPort) {
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  const int reuse = 1;  // as CivetWeb binds: connections of an earlier test in TIME_WAIT do not stop it
  ::setsockopt(holder, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(9108);
  if (::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || ::listen(holder, 4) != 0) {
    // Then something else must listen there, or the port cannot be taken for the test.
    Connection probe(9108);
    if (!probe.connected()) GTEST_SKIP() << "port 9108 can neither be bound nor connected to";
  }
  env.erase("METRICS_PORT");
  env.erase("HTTP_API_PORT");
  env.erase("METRICS_BIND_ADDRESS");
  start_service();
  send(request("second-user", "req-second", {{"type", "url"}, {"data", images->url("/figure.png")}},
               json::array({"dress"})));
  const auto results = kafka->read(output, 1, 180s);
  ASSERT_EQ(results.size(), 1U) << "the instance without its endpoint serves requests";
  EXPECT_EQ(results[0].value("status", ""), "completed") << results[0].dump();
  const std::string log = service->log_text();
  const auto warning = log.find("\"event\":\"status_unavailable\"");
  ASSERT_NE(warning, std::string::npos) << log;
  EXPECT_EQ(log.find("\"event\":\"status_unavailable\"", warning + 1), std::string::npos) << "warned once";
  EXPECT_NE(log.find("METRICS_PORT", warning), std::string::npos) << log;

  env["METRICS_PORT"] = "9108";
  ServiceProcess& explicit_port = start_instance();
  EXPECT_EQ(explicit_port.stop(0, 120s), 2) << "a METRICS_PORT set and taken fails start-up";
  EXPECT_NE(explicit_port.log_text().find("cannot listen"), std::string::npos) << explicit_port.log_text();
  EXPECT_EQ(service->stop(SIGTERM), 0);
  ::close(holder);
}

}  // namespace
}  // namespace mc::service_test

#include "service/status_server.hpp"

#include <civetweb.h>

#include <cstring>
#include <mutex>

#include "core/errors.hpp"
#include "service/json_log.hpp"

namespace mc::service {

namespace {

// Probes and scrapes are few and small, and whoever reaches the port may be
// hostile: CivetWeb (Debian's 1.15, the server of prometheus-cpp's own
// exposer) bounds what one client can hold.
// A slow client holds a thread for at most kRequestTimeoutMs: 64 threads
// keep probes answered beside 60 clients that trickle headers (reconnecting
// as they are cut off); beyond that, the port needs a NetworkPolicy
// (docs/operations.md). Probes and scrapes send their headers at once.
constexpr const char* kThreads = "64";
constexpr const char* kRequestTimeoutMs = "1000";  // reading a request's headers, and each write
constexpr const char* kMaxRequestSize = "8192";    // request line and headers together, bytes
constexpr const char* kConnectionQueue = "64";     // accepted connections waiting for a thread
constexpr const char* kListenBacklog = "64";

struct Answer {
  int status;
  std::string body;
  const char* type;
};

constexpr const char* kText = "text/plain; charset=utf-8";

void send(mg_connection* connection, const Answer& answer, bool head) {
  mg_response_header_start(connection, answer.status);
  mg_response_header_add(connection, "Content-Type", answer.type, -1);
  const std::string length = std::to_string(answer.body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  mg_response_header_add(connection, "Connection", "close", -1);
  mg_response_header_send(connection);
  if (!head) mg_write(connection, answer.body.data(), answer.body.size());
}

// CivetWeb's listening_ports syntax: an IPv6 address in brackets.
std::string listening(const std::string& address, int port) {
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  return host + ":" + std::to_string(port);
}

}  // namespace

struct StatusServer::Server {
  const HealthState& health;
  const ServiceMetrics& metrics;
  StageLog log;
  mg_context* context = nullptr;

  Answer route(const std::string& method, const std::string& path) const {
    if (method != "GET" && method != "HEAD") return {405, "method not allowed\n", kText};
    if (path == "/healthz") return verdict(health.liveness(HealthState::Clock::now()));
    if (path == "/readyz") return verdict(health.readiness());
    if (path == "/metrics") return {200, metrics.text(), "text/plain; version=0.0.4; charset=utf-8"};
    return {404, "not found\n", kText};
  }
  static Answer verdict(const HealthState::Verdict& verdict) { return {verdict.ok ? 200 : 503, verdict.body, kText}; }

  // Every request ends here (there is no document root to fall back to).
  static int begin_request(mg_connection* connection) {
    const mg_request_info* request = mg_get_request_info(connection);
    auto* self = static_cast<Server*>(request->user_data);
    const std::string method = request->request_method != nullptr ? request->request_method : "";
    try {
      const Answer answer = self->route(method, request->local_uri != nullptr ? request->local_uri : "");
      send(connection, answer, method == "HEAD");
      return answer.status;
    } catch (const std::exception&) {
      self->log.error("status_failed", "status endpoint failed");
      send(connection, {500, "internal error\n", kText}, method == "HEAD");
      return 500;
    }
  }

  // CivetWeb's own messages (a client's malformed or oversized request, a
  // timeout) name the client's bytes, not ours: not logged.
  static int log_message(const mg_connection*, const char*) { return 1; }
};

StatusServer::StatusServer(const std::string& address, int port, const HealthState& health,
                           const ServiceMetrics& metrics, spdlog::logger& log)
    : server_(std::make_unique<Server>(Server{health, metrics, StageLog(log, "status")})) {
  static std::once_flag initialised;
  std::call_once(initialised, [] { mg_init_library(0); });

  const std::string ports = listening(address, port);
  const char* options[] = {"listening_ports",
                           ports.c_str(),
                           "num_threads",
                           kThreads,
                           "request_timeout_ms",
                           kRequestTimeoutMs,
                           "max_request_size",
                           kMaxRequestSize,
                           "enable_keep_alive",
                           "no",
                           "connection_queue",
                           kConnectionQueue,
                           "listen_backlog",
                           kListenBacklog,
                           nullptr};
  mg_callbacks callbacks{};
  callbacks.begin_request = &Server::begin_request;
  callbacks.log_message = &Server::log_message;
  server_->context = mg_start(&callbacks, server_.get(), options);
  if (server_->context == nullptr) {
    throw core::SetupError("METRICS_PORT " + std::to_string(port) + " on " + address +
                           ": cannot listen (in use, or the address is not local)");
  }
  port_ = port;
  server_->log.info("status_listening", "status endpoint listening", {{"address", address}, {"port", port_}});
}

StatusServer::~StatusServer() { mg_stop(server_->context); }

}  // namespace mc::service

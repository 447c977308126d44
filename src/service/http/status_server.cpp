#include "service/http/status_server.hpp"

#include <civetweb.h>

#include <cstring>

#include "core/errors.hpp"
#include "service/http/civet_server.hpp"
#include "service/operations/json_log.hpp"

namespace mc::service {

namespace {

// Probes and scrapes are few and small, and whoever reaches the port may be
// hostile: CivetWeb (1.15, built by scripts/setup.sh with 1 MiB thread
// stacks) bounds what one client can hold.
// A slow client holds a thread for at most kRequestTimeoutMs: 64 threads
// keep probes answered beside 60 clients that trickle headers (reconnecting
// as they are cut off); beyond that, the port needs a NetworkPolicy
// (docs/operations.md). Probes and scrapes send their headers at once.
constexpr int kThreads = 64;
constexpr const char* kRequestTimeoutMs = "1000";  // reading a request's headers, and each write
constexpr const char* kMaxRequestSize = "8192";    // request line and headers together, bytes
constexpr const char* kConnectionQueue = "64";     // accepted connections waiting for a thread
constexpr const char* kListenBacklog = "64";

using Answer = HttpAnswer;

constexpr const char* kText = "text/plain; charset=utf-8";

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
      send_answer(connection, answer, method == "HEAD");
      return answer.status;
    } catch (const std::exception&) {
      self->log.error("status_failed", "status endpoint failed");
      send_answer(connection, {500, "internal error\n", kText}, method == "HEAD");
      return 500;
    }
  }
};

StatusServer::StatusServer(const std::string& address, int port, const HealthState& health,
                           const ServiceMetrics& metrics, spdlog::logger& log)
    : server_(std::make_unique<Server>(Server{health, metrics, StageLog(log, "status")})) {
  server_->context =
      start_civetweb(address, port, {kThreads, kRequestTimeoutMs, kMaxRequestSize, kConnectionQueue, kListenBacklog},
                     &Server::begin_request, server_.get());
  if (server_->context == nullptr) {
    throw core::SetupError("METRICS_PORT " + std::to_string(port) + " on " + address +
                           ": cannot listen (in use, or the address is not local)");
  }
  port_ = port;
  server_->log.info("status_listening", "status endpoint listening", {{"address", address}, {"port", port_}});
}

StatusServer::~StatusServer() {
  mg_stop(server_->context);
  // Stopped last of the HTTP servers: every HTTP thread has exited and been measured.
  const HttpStackFigures stacks = http_stack_figures();
  server_->log.info("http_stacks", "stack use of the HTTP threads",
                    {{"threads", stacks.threads},
                     {"least_free_bytes", stacks.least_free_bytes},
                     {"deepest_use_bytes", stacks.deepest_use_bytes}});
}

}  // namespace mc::service

#include "service/status_server.hpp"

#include <atomic>
#include <thread>

#include <httplib.h>

#include "core/errors.hpp"
#include "service/json_log.hpp"

namespace mc::service {

struct StatusServer::Server {
  httplib::Server http;
  std::atomic<bool> listen_returned{false};
  std::thread thread;
};

StatusServer::StatusServer(const std::string& address, int port, const HealthState& health,
                           const ServiceMetrics& metrics, spdlog::logger& log)
    : server_(std::make_unique<Server>()) {
  httplib::Server& http = server_->http;
  // Probes and scrapes are few and small: four threads, one request per
  // connection, short timeouts. cpp-httplib 0.11 bounds each header line
  // (8 KiB) but not their number nor a request's total time: the port is
  // for the kubelet and Prometheus, not the open network (docs/operations.md).
  http.new_task_queue = [] { return new httplib::ThreadPool(4); };
  http.set_read_timeout(std::chrono::seconds(2));
  http.set_write_timeout(std::chrono::seconds(2));
  http.set_payload_max_length(1024);
  http.set_keep_alive_max_count(1);

  auto answer = [](httplib::Response& response, const HealthState::Verdict& verdict) {
    response.status = verdict.ok ? 200 : 503;
    response.set_content(verdict.body, "text/plain; charset=utf-8");
  };
  http.Get("/healthz", [&health, answer](const httplib::Request&, httplib::Response& response) {
    answer(response, health.liveness(HealthState::Clock::now()));
  });
  http.Get("/readyz", [&health, answer](const httplib::Request&, httplib::Response& response) {
    answer(response, health.readiness());
  });
  http.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics.text(), "text/plain; version=0.0.4; charset=utf-8");
  });
  const auto not_allowed = [](const httplib::Request&, httplib::Response& response) {
    response.status = 405;
    response.set_content("method not allowed\n", "text/plain; charset=utf-8");
  };
  http.Post(".*", not_allowed);
  http.Put(".*", not_allowed);
  http.Delete(".*", not_allowed);
  http.Patch(".*", not_allowed);
  http.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (response.body.empty()) response.set_content("not found\n", "text/plain; charset=utf-8");
  });
  http.set_exception_handler([&log](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
    log_json(log, spdlog::level::err, "status endpoint failed", {{"stage", "status"}, {"event", "status_failed"}});
    response.status = 500;
    response.set_content("internal error\n", "text/plain; charset=utf-8");
  });

  if (!http.bind_to_port(address, port)) {
    throw core::SetupError("METRICS_PORT " + std::to_string(port) + " on " + address +
                           ": cannot listen (in use, or the address is not local)");
  }
  port_ = port;
  server_->thread = std::thread([this] {
    server_->http.listen_after_bind();
    server_->listen_returned = true;
  });
  // stop() only reaches a server that is running: wait until it is (or
  // until listening ended at once, when there is nothing to stop).
  while (!http.is_running() && !server_->listen_returned.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  log_json(log, spdlog::level::info, "status endpoint listening",
           {{"stage", "status"}, {"event", "status_listening"}, {"address", address}, {"port", port_}});
}

StatusServer::~StatusServer() {
  server_->http.stop();
  if (server_->thread.joinable()) server_->thread.join();
}

}  // namespace mc::service

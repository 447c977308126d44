#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "service/operations/health.hpp"
#include "service/operations/metrics.hpp"

namespace mc::service {

// The operators' HTTP endpoint (CivetWeb), on its own threads:
//   GET /healthz  200 "live" or 503 naming the stall
//   GET /readyz   200 "ready" or 503 listing each failing condition
//   GET /metrics  the Prometheus text format
// Anything else is 404; methods other than GET/HEAD 405. One request per
// connection; a request's headers must arrive within 1 s and 8 KiB, and a
// slow or hostile client holds one of 64 threads at most that long.
class StatusServer {
 public:
  // Binds `port` (> 0) at once (core::SetupError when the address or port
  // cannot be had); serves until destroyed.
  StatusServer(const std::string& address, int port, const HealthState& health, const ServiceMetrics& metrics,
               spdlog::logger& log);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  [[nodiscard]] int port() const { return port_; }

 private:
  struct Server;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

}  // namespace mc::service

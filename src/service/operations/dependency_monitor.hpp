#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "service/operations/health.hpp"
#include "service/operations/json_log.hpp"
#include "service/operations/metrics.hpp"

namespace mc::service {

// Checks PostgreSQL and S3 every interval on a thread of its own and reports
// each answer to the health state (readiness) and the metrics
// (maskcomponent_dependency_up); a change is logged once.
class DependencyMonitor {
 public:
  struct Check {
    Dependency dependency;
    std::function<void()> run;  // throws when the dependency does not answer
  };
  // Runs every check once before returning, then every `interval`.
  DependencyMonitor(std::vector<Check> checks, std::chrono::seconds interval, HealthState& health,
                    ServiceMetrics& metrics, spdlog::logger& log);
  ~DependencyMonitor();
  DependencyMonitor(const DependencyMonitor&) = delete;
  DependencyMonitor& operator=(const DependencyMonitor&) = delete;

 private:
  void check_all();

  std::vector<Check> checks_;
  std::vector<int> last_;  // per check: -1 unknown, 0 down, 1 up
  std::chrono::seconds interval_;
  HealthState& health_;
  ServiceMetrics& metrics_;
  StageLog log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace mc::service

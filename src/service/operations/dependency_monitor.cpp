#include "service/operations/dependency_monitor.hpp"

#include <exception>

#include "core/utf8.hpp"
#include "service/operations/json_log.hpp"

namespace mc::service {

namespace {
// Served over HTTP and logged: short.
constexpr std::size_t kMaxDetailBytes = 300;
}  // namespace

DependencyMonitor::DependencyMonitor(std::vector<Check> checks, std::chrono::seconds interval, HealthState& health,
                                     ServiceMetrics& metrics, spdlog::logger& log)
    : checks_(std::move(checks)),
      last_(checks_.size(), -1),
      interval_(interval),
      health_(health),
      metrics_(metrics),
      log_(log, "health") {
  check_all();
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return done_; })) {
      lock.unlock();
      check_all();
      lock.lock();
    }
  });
}

DependencyMonitor::~DependencyMonitor() {
  {
    const std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DependencyMonitor::check_all() {
  for (std::size_t i = 0; i < checks_.size(); ++i) {
    const Check& check = checks_[i];
    std::string problem;
    try {
      check.run();
    } catch (const std::exception& error) {
      problem = core::bounded_text(error.what(), kMaxDetailBytes);
      if (problem.empty()) problem = "no answer";
    } catch (...) {
      problem = "no answer";
    }
    const bool up = problem.empty();
    health_.set_dependency(check.dependency, up);
    metrics_.set_dependency_up(check.dependency, up);
    if (last_[i] != static_cast<int>(up)) {
      const std::string name(dependency_name(check.dependency));
      log_.log(up ? spdlog::level::info : spdlog::level::warn, up ? "dependency_up" : "dependency_down",
               up ? name + " answers its check" : name + " check failed: " + problem, {{"dependency", name}});
      last_[i] = static_cast<int>(up);
    }
  }
}

}  // namespace mc::service

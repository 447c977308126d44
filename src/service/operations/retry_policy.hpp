#pragma once

#include <chrono>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>

#include "adapters/dependency_error.hpp"
#include "service/operations/dependency_waits.hpp"
#include "service/operations/json_log.hpp"
#include "service/operations/metrics.hpp"
#include "service/operations/shutdown.hpp"

namespace mc::service {

// Thrown when S3 or PostgreSQL refused a call permanently (an HTTP 4xx, an
// SQL error) on every one of DEPENDENCY_PERMANENT_ATTEMPTS attempts.
class InfrastructureRefusal : public std::runtime_error {
 public:
  InfrastructureRefusal(const std::string& what, int attempts) : std::runtime_error(what), attempts_(attempts) {}
  [[nodiscard]] int attempts() const { return attempts_; }

 private:
  int attempts_;
};

struct RetrySettings {
  std::chrono::milliseconds base_delay{1000};  // RETRY_BASE_DELAY_MS
  std::chrono::milliseconds max_delay{30000};  // RETRY_MAX_DELAY_MS
  int permanent_error_attempts = 3;            // DEPENDENCY_PERMANENT_ATTEMPTS
};

// How the service waits for what failed: exponential backoff with full
// jitter, and sleeps that end when the work is interrupted. Workers waiting
// for infrastructure (S3, PostgreSQL, exhausted memory) are counted in `waits`, the intake
// brake the consume loop reads. One per service, shared by the request
// processor, the result publisher and start-up. Thread-safe.
class RetryPolicy {
 public:
  // Each retry is counted in `metrics` (maskcomponent_retries_total) and each
  // wait for infrastructure in `waits`, when given.
  explicit RetryPolicy(RetrySettings settings, ServiceMetrics* metrics = nullptr, DependencyWaits* waits = nullptr)
      : settings_(settings), metrics_(metrics), waits_(waits) {}

  // Counts a retry of `stage` decided elsewhere (image fetches, publishing).
  void count_retry(std::string_view stage, bool transient) {
    if (metrics_ != nullptr) metrics_->retried(stage, transient);
  }

  // Random in [0, min(max, base * 2^attempt)].
  std::chrono::milliseconds backoff(int attempt);
  // Waits out `delay`, in steps, throwing Abandoned once `interruption` is due.
  static void sleep(std::chrono::milliseconds delay, const Interruption& interruption);

  // Calls `work` until it succeeds. A transient DependencyError is logged and
  // retried without limit (counted in `waits` meanwhile); a permanent
  // one up to DEPENDENCY_PERMANENT_ATTEMPTS times, then InfrastructureRefusal.
  template <typename Work>
  auto until_done(const RequestLog& log, const char* stage, const Interruption& interruption, Work work) {
    DependencyWaits::Waiting waiting = dependency_waiting();
    int refusals = 0;
    for (int attempt = 0;; ++attempt) {
      interruption.check();
      try {
        return work();
      } catch (const adapters::DependencyError& error) {
        if (error.transient()) {
          waiting.start();
        } else if (++refusals >= settings_.permanent_error_attempts) {
          log.error(stage, "dependency_refused", error.what(), {{"attempt", attempt + 1}});
          throw InfrastructureRefusal(error.what(), refusals);
        }
        log.error(stage, "dependency_unavailable", error.what(),
                  {{"attempt", attempt + 1}, {"transient", error.transient()}});
        count_retry(stage, error.transient());
        sleep(backoff(attempt), interruption);
      }
    }
  }

 private:
  DependencyWaits::Waiting dependency_waiting() {
    if (waits_ == nullptr) return {};
    return waits_->waiting();
  }

  RetrySettings settings_;
  ServiceMetrics* metrics_;
  DependencyWaits* waits_;
  std::mutex random_mutex_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace mc::service

#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "service/operations/metrics.hpp"

namespace mc::service {

// What /healthz and /readyz answer (docs/operations.md). Fed by start-up, the
// consume loop, the rebalance callback and the dependency checks. Thread-safe.
class HealthState {
 public:
  using Clock = std::chrono::steady_clock;

  // `stall_limit`: how long the consume loop may go without polling before
  // the process counts as not live (longer than a rebalance may block it).
  explicit HealthState(std::chrono::seconds stall_limit) : stall_limit_(stall_limit) {}

  void set_models_ready() { models_ready_ = true; }
  // The consume loop returned from a poll (its first call starts liveness
  // checking; before it, start-up is in progress and counts as live).
  void loop_polled(Clock::time_point now) { last_poll_ns_ = now.time_since_epoch().count(); }
  // Between a revocation and the next assignment the member is rebalancing.
  void set_group_joined(bool joined) { group_joined_ = joined; }
  // Why a check failed is logged, not served: error texts name hosts,
  // users and buckets.
  void set_dependency(Dependency dependency, bool answered);
  void set_shutting_down() { shutting_down_ = true; }
  // Results or poison messages cannot be published (a missing topic,
  // authorisation refused, brokers unreachable): requests cannot finish.
  void set_publishing_failed(bool failed) { publishing_failed_ = failed; }
  // The result or poison topics the brokers say are missing, as one line
  // ("" once they all exist): until then nothing is consumed.
  void set_missing_topics(std::string topics);

  struct Verdict {
    bool ok = false;
    std::string body;  // one line per condition
  };
  // Live unless the consume loop, once started, stopped polling.
  [[nodiscard]] Verdict liveness(Clock::time_point now) const;
  // Ready when models are warm, the group is joined, PostgreSQL and S3
  // answered their last check, and no shutdown is under way.
  [[nodiscard]] Verdict readiness() const;

 private:
  const std::chrono::seconds stall_limit_;
  std::atomic<bool> models_ready_{false};
  std::atomic<bool> group_joined_{false};
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> publishing_failed_{false};
  std::atomic<std::int64_t> last_poll_ns_{0};
  mutable std::mutex mutex_;
  // Unchecked dependencies count as not answered.
  bool postgres_ok_ = false;
  bool s3_ok_ = false;
  std::string postgres_state_ = "not checked yet";
  std::string s3_state_ = "not checked yet";
  std::string missing_topics_;
};

}  // namespace mc::service

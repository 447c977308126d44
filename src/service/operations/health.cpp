#include "service/operations/health.hpp"

namespace mc::service {

void HealthState::set_dependency(Dependency dependency, bool answered) {
  const std::lock_guard lock(mutex_);
  const char* state = answered ? "answered" : "no answer to the last check (the log says why)";
  if (dependency == Dependency::kPostgres) {
    postgres_ok_ = answered;
    postgres_state_ = state;
  } else if (dependency == Dependency::kS3) {
    s3_ok_ = answered;
    s3_state_ = state;
  }
}

void HealthState::set_missing_topics(std::string topics) {
  const std::lock_guard lock(mutex_);
  missing_topics_ = std::move(topics);
}

HealthState::Verdict HealthState::liveness(Clock::time_point now) const {
  const std::int64_t last = last_poll_ns_.load();
  if (last == 0) return {true, "live: starting\n"};
  const auto since = now - Clock::time_point(Clock::duration(last));
  if (since > stall_limit_) {
    return {false, "not live: the consume loop has not polled for " +
                       std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) + " s (limit " +
                       std::to_string(stall_limit_.count()) + " s)\n"};
  }
  return {true, "live\n"};
}

HealthState::Verdict HealthState::readiness() const {
  std::string failing;
  if (shutting_down_.load()) failing += "shutting down\n";
  if (!models_ready_.load()) failing += "models: loading\n";
  if (!group_joined_.load()) failing += "kafka: consumer group not joined\n";
  if (publishing_failed_.load()) failing += "kafka: publishing results failed (the log says why)\n";
  {
    const std::lock_guard lock(mutex_);
    if (!missing_topics_.empty()) failing += "kafka: " + missing_topics_ + " (nothing is consumed until they exist)\n";
    if (!postgres_ok_) failing += "postgres: " + postgres_state_ + "\n";
    if (!s3_ok_) failing += "s3: " + s3_state_ + "\n";
  }
  if (failing.empty()) return {true, "ready\n"};
  return {false, "not ready:\n" + failing};
}

}  // namespace mc::service

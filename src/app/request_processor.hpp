#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "adapters/postgres_store.hpp"
#include "adapters/s3_client.hpp"
#include "app/service_settings.hpp"
#include "app/json_log.hpp"
#include "core/mask_request.hpp"
#include "inference/human_analyzer.hpp"

namespace mc::app {

// Shutdown state shared by the consume loop and the workers.
struct StopState {
  std::atomic<bool> stopping{false};
  // steady_clock; set when shutdown starts. Work still running after it is abandoned.
  std::atomic<std::int64_t> deadline_ns{0};
  [[nodiscard]] bool past_deadline() const {
    const std::int64_t deadline = deadline_ns.load();
    return stopping.load() && deadline != 0 && std::chrono::steady_clock::now().time_since_epoch().count() > deadline;
  }
};

// Thrown when shutdown's grace period ends before a request finished: the
// message is left uncommitted and will be delivered again.
class Abandoned : public std::runtime_error {
 public:
  Abandoned() : std::runtime_error("abandoned at shutdown") {}
};

// What one message produced: the result for mask_output and, for a hopeless
// message, the poison message.
struct Outcome {
  std::string key;  // user_id (the result's Kafka key)
  nlohmann::json result;
  std::optional<nlohmann::json> poison;
};

// Turns one mask_input message into its outcome: validate, recognise an
// already completed request_id, fetch (with retries), run the models once,
// upload, upsert, record. Infrastructure failures (S3, PostgreSQL) are retried
// with capped backoff until they pass or shutdown abandons the request; they
// never make a failed result or a poison message. Thread-safe: one processor
// serves every worker; the per-request state lives in process().
class RequestProcessor {
 public:
  RequestProcessor(const ServiceSettings& settings, adapters::PostgresStore& store, inference::AnalyzerPool& models,
                   spdlog::logger& log, StopState& stop);

  Outcome process(const std::string& message);

  // How many workers are now waiting for S3 or PostgreSQL to come back; the
  // consume loop takes no new work while it is above zero.
  [[nodiscard]] int infrastructure_waits() const { return infrastructure_waits_.load(); }

  // Waits out `delay`, in steps, throwing Abandoned once shutdown's grace ends.
  void sleep_unless_abandoned(std::chrono::milliseconds delay) const;
  // Exponential backoff with full jitter: random in [0, min(max, base * 2^attempt)].
  std::chrono::milliseconds backoff(int attempt);
  // Calls `work` until it succeeds; DependencyError is logged and retried.
  template <typename Work>
  auto retry_infrastructure(const RequestLog& log, const char* stage, Work work) {
    WaitCount waiting(infrastructure_waits_);
    for (int attempt = 0;; ++attempt) {
      if (stop_.past_deadline()) throw Abandoned();
      try {
        return work();
      } catch (const adapters::DependencyError& error) {
        waiting.start();
        log.error(stage, "dependency_unavailable", error.what(),
                  {{"attempt", attempt + 1}, {"transient", error.transient()}});
        sleep_unless_abandoned(backoff(attempt));
      }
    }
  }


 private:
  // Counts its owner in `count` from start() until it goes out of scope.
  class WaitCount {
   public:
    explicit WaitCount(std::atomic<int>& count) : count_(count) {}
    ~WaitCount() {
      if (started_) --count_;
    }
    WaitCount(const WaitCount&) = delete;
    WaitCount& operator=(const WaitCount&) = delete;
    void start() {
      if (!started_) ++count_;
      started_ = true;
    }

   private:
    std::atomic<int>& count_;
    bool started_ = false;
  };

  struct Failure {
    std::string error;
    int retry_count = 0;
  };
  std::string image_bytes(const core::MaskRequest& request, const RequestLog& log, std::optional<Failure>& failure);

  // S3 clients, one per request at a time (each keeps its connection open).
  std::unique_ptr<adapters::S3Client> take_s3_client();
  void return_s3_client(std::unique_ptr<adapters::S3Client> client);

  const ServiceSettings& settings_;
  std::mutex s3_mutex_;
  std::vector<std::unique_ptr<adapters::S3Client>> idle_s3_clients_;
  adapters::PostgresStore& store_;
  inference::AnalyzerPool& models_;
  spdlog::logger& log_;
  StopState& stop_;
  std::atomic<int> infrastructure_waits_{0};
  std::mutex random_mutex_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace mc::app

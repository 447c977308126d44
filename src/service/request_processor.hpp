#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "adapters/postgres_store.hpp"
#include "adapters/s3_client.hpp"
#include "service/json_log.hpp"
#include "service/service_settings.hpp"
#include "core/mask_request.hpp"
#include "inference/human_analyzer.hpp"

namespace mc::service {

// Shutdown state shared by the consume loop and the workers.
struct StopState {
  std::atomic<bool> stopping{false};
  // steady_clock; set when shutdown starts. Work still running after it is abandoned.
  std::atomic<std::int64_t> deadline_ns{0};
  // Non-zero when the service must stop because something it cannot recover
  // from happened (a fatal Kafka error): the process exits with it.
  std::atomic<int> exit_code{0};
  [[nodiscard]] bool past_deadline() const {
    const std::int64_t deadline = deadline_ns.load();
    return stopping.load() && deadline != 0 && std::chrono::steady_clock::now().time_since_epoch().count() > deadline;
  }
  void fail(int code) {
    exit_code.store(code);
    stopping.store(true);
  }
};

// Thrown when a request must stop where it is and be left uncommitted, to be
// delivered again: shutdown's grace ended, or its partition was revoked.
class Abandoned : public std::runtime_error {
 public:
  Abandoned() : std::runtime_error("abandoned at shutdown") {}
};

// When a request must be abandoned: shutdown's grace ended or, for work of a
// consumed message, its partition was revoked.
class Interruption {
 public:
  explicit Interruption(const StopState& stop, const std::atomic<bool>* revoked = nullptr)
      : stop_(stop), revoked_(revoked) {}
  [[nodiscard]] bool due() const { return stop_.past_deadline() || (revoked_ != nullptr && revoked_->load()); }
  void check() const {
    if (due()) throw Abandoned();
  }

 private:
  const StopState& stop_;
  const std::atomic<bool>* revoked_;
};

// Thrown when S3 or PostgreSQL refused a request permanently (an HTTP 4xx, an
// SQL error) on every one of DEPENDENCY_PERMANENT_ATTEMPTS attempts.
class InfrastructureRefusal : public std::runtime_error {
 public:
  InfrastructureRefusal(const std::string& what, int attempts) : std::runtime_error(what), attempts_(attempts) {}
  [[nodiscard]] int attempts() const { return attempts_; }

 private:
  int attempts_;
};

// What one message produced: the result for mask_output and, for a hopeless
// message, what its poison message is made of (built when published, so that
// an oversize one can be made again with the original message cut).
struct Outcome {
  struct Poison {
    core::RequestIdentity who;
    std::string error;
    std::string original;
    int retry_count = 0;
    std::string processed_at;
    [[nodiscard]] nlohmann::json message(std::size_t max_original_bytes = std::string::npos) const;
  };
  std::string key;  // user_id (the result's Kafka key)
  nlohmann::json result;
  std::optional<Poison> poison;
};

// The failed result and poison message for `message`, whatever its bytes.
Outcome failed_outcome(const core::RequestIdentity& who, const std::string& error, std::string_view message,
                       int retry_count);

// A counting semaphore: at most `slots` holders at once.
class Slots {
 public:
  explicit Slots(int slots) : free_(slots) {}
  class Lease {
   public:
    explicit Lease(Slots& slots) : slots_(slots) {}
    ~Lease() { slots_.release(); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    Slots& slots_;
  };
  [[nodiscard]] Lease acquire();

 private:
  void release();
  std::mutex mutex_;
  std::condition_variable freed_;
  int free_;
};

// Turns one mask_input message into its outcome: validate, recognise an
// already completed request of the same user, claim it, fetch (with retries),
// decode, run the models once, upload, upsert, record. Transient
// infrastructure failures (S3, PostgreSQL down) are retried with capped
// backoff until they pass or the request is interrupted; they never make a
// failed result. Permanent refusals end the request after
// DEPENDENCY_PERMANENT_ATTEMPTS attempts with a failed result. Thread-safe:
// one processor serves every worker; the per-request state lives in process().
class RequestProcessor {
 public:
  RequestProcessor(const ServiceSettings& settings, adapters::PostgresStore& store, inference::AnalyzerPool& models,
                   spdlog::logger& log, StopState& stop);

  // `position` orders this request against others of its user (a newer one
  // that already wrote the user's row is not overwritten).
  Outcome process(const std::string& message, const adapters::MessagePosition& position,
                  const Interruption& interruption);

  // How many workers are now waiting for S3, PostgreSQL or Kafka to come back;
  // the consume loop takes no new work while it is above zero.
  [[nodiscard]] int infrastructure_waits() const { return infrastructure_waits_.load(); }

  // Counts its owner as waiting for infrastructure from start() until it goes out of scope.
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
  [[nodiscard]] WaitCount infrastructure_wait() { return WaitCount(infrastructure_waits_); }

  // Waits out `delay`, in steps, throwing Abandoned once `interruption` is due.
  static void sleep_unless_abandoned(std::chrono::milliseconds delay, const Interruption& interruption);
  // Exponential backoff with full jitter: random in [0, min(max, base * 2^attempt)].
  std::chrono::milliseconds backoff(int attempt);
  // Calls `work` until it succeeds. A transient DependencyError is logged and
  // retried without limit; a permanent one up to DEPENDENCY_PERMANENT_ATTEMPTS
  // times, then InfrastructureRefusal is thrown.
  template <typename Work>
  auto retry_infrastructure(const RequestLog& log, const char* stage, const Interruption& interruption, Work work) {
    WaitCount waiting(infrastructure_waits_);
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
        sleep_unless_abandoned(backoff(attempt), interruption);
      }
    }
  }

 private:
  struct Failure {
    std::string error;
    int retry_count = 0;
  };
  std::string image_bytes(const core::MaskRequest& request, const RequestLog& log, const Interruption& interruption,
                          std::optional<Failure>& failure);
  // Waits until this request is ours to compute (no other worker or instance
  // holds it), or, after CLAIM_WAIT_SECONDS, nothing: compute it anyway.
  std::optional<adapters::PostgresStore::Claim> claim(const core::MaskRequest& request, const RequestLog& log,
                                                      const Interruption& interruption);
  std::optional<Outcome> answer_if_completed(const core::MaskRequest& request, const RequestLog& log,
                                             const Interruption& interruption);

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
  Slots decoding_;
  std::atomic<int> infrastructure_waits_{0};
  std::mutex random_mutex_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace mc::service

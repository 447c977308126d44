#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "service/operations/json_log.hpp"
#include "service/operations/metrics.hpp"
#include "service/operations/outcome.hpp"
#include "service/processing/processor_ports.hpp"
#include "service/operations/retry_policy.hpp"
#include "service/settings/service_settings.hpp"
#include "service/operations/shutdown.hpp"
#include "core/errors.hpp"
#include "core/mask_request.hpp"
#include "inference/human_analysis.hpp"

namespace mc::service {

// Turns one mask_input message into its outcome: validate, recognise an
// already completed request of the same user, claim it, fetch (with retries),
// decode, run the models once, upload, upsert, record. Transient
// infrastructure failures (S3, PostgreSQL down) are retried with capped
// backoff until they pass or the request is interrupted; they never make a
// failed result. Permanent refusals end the request after
// DEPENDENCY_PERMANENT_ATTEMPTS attempts with a failed result. Thread-safe:
// one processor serves every worker (its ports must be thread-safe too); the
// per-request state lives in process().
class RequestProcessor {
 public:
  // What the processor works with (service/processing/processor_ports.hpp).
  struct Ports {
    RequestStore& store;
    MaskStorage& masks;
    ImageSource& images;
    Analyzer& analyzer;
  };
  // Each request's time per stage goes to `metrics` when given.
  RequestProcessor(const ServiceSettings& settings, Ports ports, RetryPolicy& retry, spdlog::logger& log,
                   ServiceMetrics* metrics = nullptr);

  // `position` orders this request against others of its user (a newer one
  // that already wrote the user's row is not overwritten).
  // `incoming` is `message` as core::read_message read it.
  Outcome process(const std::string& message, const core::IncomingMessage& incoming,
                  const core::MessagePosition& position, const Interruption& interruption);

 private:
  // The time one request spent in each stage it entered; reported to the
  // metrics when it goes out of scope, whatever way the request ended.
  class StageTimes {
   public:
    explicit StageTimes(ServiceMetrics* metrics) : metrics_(metrics) {}
    ~StageTimes();
    StageTimes(const StageTimes&) = delete;
    StageTimes& operator=(const StageTimes&) = delete;
    void add(Stage stage, std::chrono::nanoseconds duration);
    // Runs `work`, adding its time to `stage` (also when it throws).
    template <typename Work>
    auto time(Stage stage, Work work) {
      struct Clock {
        StageTimes& times;
        Stage stage;
        std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
        ~Clock() { times.add(stage, std::chrono::steady_clock::now() - started); }
      } clock{*this, stage};
      return work();
    }

   private:
    ServiceMetrics* metrics_;
    std::map<Stage, std::chrono::nanoseconds> spent_;
  };

  // One request on its way through the stages.
  struct ActiveRequest {
    const std::string& message;
    const core::IncomingMessage& incoming;
    core::MessagePosition position;
    const Interruption& interruption;
    core::RequestIdentity who;  // best effort until validated
    RequestLog log;
    core::MaskRequest request;
    StageTimes& times;
  };
  // How any stage ends its request with a failed result: thrown, and caught
  // once in process(), which makes the outcome. Not a std::exception, so that
  // no stage's catch of the analysis' own errors can take it for one.
  struct RequestFailed {
    FailureKind kind;
    std::string error;
    int retry_count = 0;
    bool recorded = true;  // the request has a record to mark failed
  };
  struct StoredMasks {
    std::map<core::MaskType, std::string> filenames;
    std::map<core::MaskType, std::string> urls;
    // With options (issue 20): {"options", "artifacts" {type: {output:
    // filename}}, "mask_info"} as the record keeps it; else null.
    nlohmann::json extras;
  };

  // The stages, in order. Each returns its value or throws RequestFailed;
  // answer_if_completed may also end the request with its record's answer.
  void validate(ActiveRequest& active);
  // Dedupe, claim, dedupe again, record started: the record's answer when the
  // request completed before (or meanwhile), else nothing and `claimed` holds
  // the claim (or nothing: computed anyway after CLAIM_WAIT_SECONDS).
  std::optional<Outcome> dedupe_and_claim(ActiveRequest& active, std::unique_ptr<RequestClaim>& claimed);
  std::optional<Outcome> answer_if_completed(ActiveRequest& active);
  // Waits until this request is ours to compute (no other worker or instance
  // holds it), or, after CLAIM_WAIT_SECONDS, nothing: compute it anyway.
  std::unique_ptr<RequestClaim> claim(ActiveRequest& active);
  // False when the record had completed meanwhile.
  bool record_started(ActiveRequest& active);
  // The request's image, decoded only when needed: bytes analysed before
  // (the analysis cache) give their analysis without decoding unless an
  // output is made of the photo's pixels (agnostic, cutout).
  struct AnalysedImage {
    cv::Mat person;  // empty when recalled and not needed
    inference::HumanAnalysis analysis;
  };
  AnalysedImage analyse_image(ActiveRequest& active);
  AnalysedImage analysed(ActiveRequest& active, AnalysedImage image);
  std::string fetch_image(ActiveRequest& active);
  cv::Mat load_person(ActiveRequest& active, const std::string& bytes);
  static RequestFailed invalid_image(const core::InputError& error);
  inference::HumanAnalysis analyze(ActiveRequest& active, const cv::Mat& person, const std::string& image_digest);
  StoredMasks upload_masks(ActiveRequest& active, const cv::Mat& person, const inference::HumanAnalysis& analysis);
  StoredMasks upload_profile_mask(ActiveRequest& active, const inference::HumanAnalysis& analysis);
  // The images as PNG files, in parallel.
  std::vector<std::vector<std::uint8_t>> encode_pngs(ActiveRequest& active, const std::vector<cv::Mat>& images);
  // Uploads one PNG under the request's prefix as `file`.
  void upload_png(ActiveRequest& active, const std::string& file, const std::vector<std::uint8_t>& png);
  // The result's `artifacts` and `mask_info` from what the record keeps.
  void add_extras(Outcome& outcome, const std::string& user_id, const std::string& request_id,
                  const nlohmann::json& extras) const;
  void save(ActiveRequest& active, const StoredMasks& stored);
  // The completed result of the masks just stored.
  Outcome completed(ActiveRequest& active, const StoredMasks& stored) const;

  std::string image_bytes(ActiveRequest& active);
  // Calls `work` through the retry policy (as `log_stage` in the logs), its
  // time counted to `stage`; a permanent refusal fails the request.
  template <typename Work>
  auto retried(ActiveRequest& active, Stage stage, const char* log_stage, Work work) {
    return active.times.time(stage, [&] {
      try {
        return retry_.until_done(active.log, log_stage, active.interruption, work);
      } catch (const InfrastructureRefusal& refusal) {
        throw RequestFailed{FailureKind::kInfrastructure,
                            std::string("Infrastructure refused the request: ") + refusal.what(), refusal.attempts()};
      }
    });
  }
  Outcome fail(ActiveRequest& active, const RequestFailed& failure);

  const ServiceSettings& settings_;
  Ports ports_;
  spdlog::logger& log_;
  RetryPolicy& retry_;
  ServiceMetrics* metrics_;
  std::counting_semaphore<> decoding_;  // DECODE_CONCURRENCY places
};

}  // namespace mc::service

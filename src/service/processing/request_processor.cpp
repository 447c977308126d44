// One request's flow over its named steps; the steps are in
// request_admission.cpp (validate, dedupe, claim, record started),
// request_analysis.cpp (fetch, decode, analyse) and request_masks.cpp (make,
// shape and encode the masks, upload them, record the result).
#include "service/processing/request_processor.hpp"

#include "core/ids.hpp"
#include "core/mask_options.hpp"
#include "core/result_messages.hpp"
#include "core/utf8.hpp"

namespace mc::service {

RequestProcessor::RequestProcessor(const ServiceSettings& settings, Ports ports, RetryPolicy& retry,
                                   spdlog::logger& log, ServiceMetrics* metrics)
    : settings_(settings),
      ports_(ports),
      log_(log),
      retry_(retry),
      metrics_(metrics),
      decoding_(settings.decode_concurrency) {}

RequestProcessor::StageTimes::~StageTimes() {
  if (metrics_ == nullptr) return;
  try {
    for (const auto& [stage, duration] : spent_) metrics_->observe(stage, duration);
  } catch (...) {
    // Out of memory: the request's outcome matters more than its figures.
  }
}

void RequestProcessor::StageTimes::add(Stage stage, std::chrono::nanoseconds duration) { spent_[stage] += duration; }

Outcome RequestProcessor::process(const std::string& message, const core::IncomingMessage& incoming,
                                  const core::MessagePosition& position, const Interruption& interruption) {
  StageTimes times(metrics_);
  ActiveRequest active{message, incoming, position, interruption, incoming.who, RequestLog(log_, "", ""), {}, times};
  active.log.identify(active.who.user_id, active.who.request_id);
  // Declared here so that a failure is recorded while the claim is still held.
  std::unique_ptr<RequestClaim> claimed;
  try {
    validate(active);
    if (auto answer = dedupe_and_claim(active, claimed)) return std::move(*answer);
    const AnalysedImage image = analyse_image(active);  // fetched, decoded (or recalled), analysed
    const StoredMasks stored = upload_masks(active, image.person, image.analysis);  // made, shaped, encoded, stored
    save(active, stored);  // the user's row, the request's record
    return completed(active, stored);
  } catch (const RequestFailed& failure) {
    return fail(active, failure);
  }
}

Outcome RequestProcessor::completed(ActiveRequest& active, const StoredMasks& stored) const {
  active.log.info("process", "request_completed", "masks ready");
  Outcome outcome = completed_outcome(active.who, stored.urls);
  if (!stored.extras.is_null()) add_extras(outcome, active.request.user_id, active.request.request_id, stored.extras);
  return outcome;
}

Outcome RequestProcessor::fail(ActiveRequest& active, const RequestFailed& failure) {
  active.log.error("process", "request_failed", failure.error, {{"retry_count", failure.retry_count}});
  if (failure.recorded) {
    const std::string stored_error = core::bounded_text(failure.error, core::kMaxErrorBytes);
    try {
      retried(active, Stage::kDatabase, "record",
              [&] { ports_.store.record_request_failed(active.who.user_id, active.who.request_id, stored_error); });
    } catch (const RequestFailed&) {
      // Logged; the failed result and poison message still go out.
    }
  }
  return failed_outcome(failure.kind, active.who, failure.error, active.message, failure.retry_count);
}

void RequestProcessor::add_extras(Outcome& outcome, const std::string& user_id, const std::string& request_id,
                                  const nlohmann::json& extras) const {
  nlohmann::json artifacts = nlohmann::json::object();
  for (const auto& [type, files] : extras.at("artifacts").items()) {
    for (const auto& [output, file] : files.items()) {
      artifacts[type][output] =
          core::mask_url(settings_.storage.base_url, user_id, request_id, file.get<std::string>());
    }
  }
  core::add_option_results(outcome.result, artifacts, extras.value("mask_info", nlohmann::json()));
  if (extras.contains("profile")) outcome.result["profile"] = extras.at("profile");
}

}  // namespace mc::service

// The request's first steps: validate it, answer it from its record when it
// completed before (dedupe), claim it, record it started.
#include "service/processing/request_processor.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/mask_options.hpp"
#include "core/result_messages.hpp"
#include "inference/model_settings.hpp"

namespace mc::service {

namespace {

core::RequestIdentity identity_of(const core::MaskRequest& request) {
  return {request.user_id, request.gender, request.request_id};
}

}  // namespace

std::optional<Outcome> RequestProcessor::dedupe_and_claim(ActiveRequest& active,
                                                          std::unique_ptr<RequestClaim>& claimed) {
  // A request of this user that already completed is answered from its
  // record; one that another worker computes now is waited for.
  if (auto answer = answer_if_completed(active)) return answer;
  claimed = claim(active);
  if (auto answer = answer_if_completed(active)) return answer;
  if (!record_started(active)) {  // completed meanwhile by a copy whose claim had lapsed
    if (auto answer = answer_if_completed(active)) return answer;
  }
  return std::nullopt;
}

void RequestProcessor::validate(ActiveRequest& active) {
  try {
    // A message without request_id is named by its place in the topic, so
    // that its redelivery is the same request (a random id outside Kafka).
    const auto new_request_id = [&] {
      if (active.position.offset < 0) return core::generate_request_id();
      return core::derived_request_id(settings_.kafka.input_topic, active.position.partition, active.position.offset);
    };
    active.request = core::parse_mask_request(active.incoming, settings_.default_mask_types, new_request_id);
  } catch (const core::InputError& error) {
    throw RequestFailed{FailureKind::kInvalidRequest, std::string("Invalid request: ") + error.what(), 0, false};
  }
  // Refused before the photo is fetched: only DWPose's analysis holds what FitDiT reads.
  if (active.request.options.profile == core::MaskProfile::kFitdit &&
      settings_.models.pose_model != inference::PoseModel::kDwpose) {
    throw RequestFailed{FailureKind::kInvalidRequest,
                        "Invalid request: options.profile fitdit needs POSE_MODEL=dwpose (FitDiT's mask reads "
                        "DWPose's whole-body keypoints; this service runs POSE_MODEL=" +
                            std::string(inference::pose_model_name(settings_.models.pose_model)) + ")",
                        0, false};
  }
  active.who = identity_of(active.request);
  active.log.identify(active.request.user_id, active.request.request_id);
  for (const auto& warning : active.request.warnings) active.log.warn("validate", "request_warning", warning);
  active.log.info("validate", "request_accepted", "request accepted",
                  {{"mask_types", active.request.mask_types.size()},
                   {"image_type", active.request.image_kind == core::MaskRequest::ImageKind::kUrl ? "url" : "base64"}});
}

std::optional<Outcome> RequestProcessor::answer_if_completed(ActiveRequest& active) {
  const auto previous = retried(active, Stage::kDatabase, "dedupe", [&] {
    return ports_.store.find_request(active.request.user_id, active.request.request_id);
  });
  if (!previous || previous->status != core::RequestStatus::kCompleted) return std::nullopt;
  std::map<core::MaskType, std::string> urls;
  for (const auto& [type, file] : previous->filenames) {
    urls[type] = core::mask_url(settings_.storage.base_url, previous->user_id, previous->request_id, file);
  }
  active.log.info("dedupe", "already_completed", "request already completed; publishing its result again");
  // The record answers for the request id, whatever options the copy carries.
  const nlohmann::json recorded_options =
      previous->options ? previous->options->value("options", nlohmann::json::object()) : nlohmann::json::object();
  if (core::mask_options_json(active.request.options) != recorded_options) {
    active.log.warn("dedupe", "options_differ",
                    "this copy's options differ from the completed request's; answered with what the record holds "
                    "(a new request_id computes new options)");
  }
  const core::RequestIdentity recorded{previous->user_id, previous->gender, previous->request_id};
  Outcome outcome = answered_from_record(recorded, urls);
  if (previous->options) add_extras(outcome, previous->user_id, previous->request_id, *previous->options);
  return outcome;
}

std::unique_ptr<RequestClaim> RequestProcessor::claim(ActiveRequest& active) {
  const auto give_up = std::chrono::steady_clock::now() + settings_.claim_wait;
  for (int attempt = 0;; ++attempt) {
    auto claimed = retried(active, Stage::kDatabase, "claim", [&] {
      return ports_.store.try_claim_request(active.request.user_id, active.request.request_id);
    });
    if (claimed) return claimed;
    if (std::chrono::steady_clock::now() >= give_up) {
      // Its holder may be an instance cut off from the network whose session
      // the server has not ended yet: liveness before deduplication.
      active.log.warn("claim", "claim_wait_exceeded", "another holder kept this request too long; computing it anyway");
      return nullptr;
    }
    if (attempt == 0)
      active.log.info("claim", "claimed_elsewhere", "another worker is computing this request; waiting");
    RetryPolicy::sleep(std::min<std::chrono::milliseconds>(std::chrono::milliseconds(1000), retry_.backoff(attempt)),
                       active.interruption);
  }
}

bool RequestProcessor::record_started(ActiveRequest& active) {
  core::RequestRecord record;
  record.request_id = active.request.request_id;
  record.user_id = active.request.user_id;
  record.gender = active.request.gender;
  record.mask_types = active.request.mask_types;
  record.position = active.position;
  return retried(active, Stage::kDatabase, "record", [&] { return ports_.store.record_request_started(record); });
}
}  // namespace mc::service

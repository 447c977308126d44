#include "service/request_processor.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <mutex>
#include <system_error>
#include <new>
#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "adapters/image_decoding.hpp"
#include "adapters/dependency_error.hpp"
#include "adapters/image_fetcher.hpp"
#include "core/base64.hpp"
#include "core/digest.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/mask_engine.hpp"
#include "core/mask_options.hpp"
#include "core/mask_report.hpp"
#include "core/person_image.hpp"
#include "core/result_messages.hpp"
#include "core/utf8.hpp"

namespace mc::service {

namespace {

// std::bad_alloc, OpenCV's StsNoMem, ONNX Runtime's allocation failures
// (its arena, a CUDA out-of-memory).
bool resource_exhausted(const std::exception& error) {
  if (dynamic_cast<const std::bad_alloc*>(&error) != nullptr) return true;
  if (const auto* cv_error = dynamic_cast<const cv::Exception*>(&error)) return cv_error->code == cv::Error::StsNoMem;
  std::string text = error.what();
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* sign : {"out of memory", "failed to allocate", "allocation failed", "cudaerrormemoryallocation",
                           "bad_alloc", "bad allocation"}) {
    if (text.find(sign) != std::string::npos) return true;
  }
  return false;
}

core::RequestIdentity identity_of(const core::MaskRequest& request) {
  return {request.user_id, request.gender, request.request_id};
}

// Threads that encode one request's PNGs at most (this one included).
constexpr std::size_t kMaxEncodeThreads = 4;

// Holds one place of a semaphore, waiting for it, until it goes.
class SemaphorePlace {
 public:
  explicit SemaphorePlace(std::counting_semaphore<>& semaphore) : semaphore_(semaphore) { semaphore_.acquire(); }
  ~SemaphorePlace() { semaphore_.release(); }
  SemaphorePlace(const SemaphorePlace&) = delete;
  SemaphorePlace& operator=(const SemaphorePlace&) = delete;

 private:
  std::counting_semaphore<>& semaphore_;
};

}  // namespace

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
    // A request of this user that already completed is answered from its
    // record; one that another worker computes now is waited for.
    if (auto answer = answer_if_completed(active)) return std::move(*answer);
    claimed = claim(active);
    if (auto answer = answer_if_completed(active)) return std::move(*answer);
    if (!record_started(active)) {  // completed meanwhile by a copy whose claim had lapsed
      if (auto answer = answer_if_completed(active)) return std::move(*answer);
    }
    const AnalysedImage image = analyse_image(active);
    const StoredMasks stored = upload_masks(active, image.person, image.analysis);
    save(active, stored);
    active.log.info("process", "request_completed", "masks ready");
    Outcome outcome = completed_outcome(active.who, stored.urls);
    if (!stored.extras.is_null()) add_extras(outcome, active.request.user_id, active.request.request_id, stored.extras);
    return outcome;
  } catch (const RequestFailed& failure) {
    return fail(active, failure);
  }
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

std::string RequestProcessor::image_bytes(ActiveRequest& active) {
  const core::MaskRequest& request = active.request;
  if (request.image_kind == core::MaskRequest::ImageKind::kBase64)
    return core::decode_base64_image(request.image_data, settings_.fetch.max_bytes);
  for (int attempt = 0;; ++attempt) {
    active.interruption.check();
    try {
      std::string bytes = ports_.images.fetch(request.image_data, [&] { return active.interruption.due(); });
      active.log.info("fetch", "image_downloaded", "image downloaded",
                      {{"bytes", bytes.size()}, {"attempt", attempt + 1}});
      return bytes;
    } catch (const adapters::FetchCancelled&) {
      throw Abandoned();
    } catch (const adapters::ImageFetchError& error) {
      if (!error.transient()) throw RequestFailed{FailureKind::kImageUnavailable, error.what()};
      if (attempt >= settings_.max_retries) {
        throw RequestFailed{FailureKind::kImageUnavailable, std::string("Max retries exceeded: ") + error.what(),
                            attempt};
      }
      const auto delay = retry_.backoff(attempt);
      retry_.count_retry("fetch", true);
      active.log.warn("fetch", "retry_scheduled", error.what(),
                      {{"attempt", attempt + 1}, {"delay_ms", delay.count()}});
      RetryPolicy::sleep(delay, active.interruption);
    }
  }
}

RequestProcessor::AnalysedImage RequestProcessor::analyse_image(ActiveRequest& active) {
  std::string image_digest;
  cv::Mat person;
  {
    // Scoped: the image bytes are not held while the networks run.
    const std::string bytes = fetch_image(active);
    active.interruption.check();
    // The bytes and what else decides what they decode to: a recall stands
    // for a decode under the same limits.
    image_digest = active.times.time(Stage::kDecode, [&] {
      core::Sha256 hash;
      hash.add("max_image_pixels=" + std::to_string(settings_.max_image_pixels) + "\n");
      hash.add(bytes);
      return hash.hex();
    });
    const core::MaskOptions& options = active.request.options;
    if (!options.wants(core::MaskOutput::kAgnostic) && !options.wants(core::MaskOutput::kCutout)) {
      if (auto recalled = ports_.analyzer.recall(image_digest)) {
        active.log.info("inference", "analysis_recalled", "these image bytes were analysed before; not decoded again");
        return analysed(active, {cv::Mat(), std::move(*recalled)});
      }
    }
    person = load_person(active, bytes);
  }
  inference::HumanAnalysis analysis = analyze(active, person, image_digest);
  return analysed(active, {std::move(person), std::move(analysis)});
}

// The networks' stage times (zero for a cached analysis: no network ran) and
// the pose warnings, however the analysis was had.
RequestProcessor::AnalysedImage RequestProcessor::analysed(ActiveRequest& active, AnalysedImage image) {
  active.times.add(Stage::kParsingAtr, image.analysis.atr_time);
  active.times.add(Stage::kParsingLip, image.analysis.lip_time);
  active.times.add(Stage::kPose, image.analysis.pose_time);
  for (const auto& warning : image.analysis.warnings) active.log.warn("inference", "pose_warning", warning);
  return image;
}

std::string RequestProcessor::fetch_image(ActiveRequest& active) {
  try {
    return active.times.time(Stage::kFetch, [&] { return image_bytes(active); });
  } catch (const core::InputError& error) {  // base64 that is not, an image too large
    throw invalid_image(error);
  }
}

cv::Mat RequestProcessor::load_person(ActiveRequest& active, const std::string& bytes) {
  try {
    // Decoding a large image takes several times its pixels in memory:
    // bounded, so that concurrent requests cannot exhaust it together.
    const SemaphorePlace decoding(decoding_);
    return active.times.time(Stage::kDecode, [&] {
      return core::to_person_image(adapters::decode_image(bytes, settings_.max_image_pixels),
                                   settings_.max_image_pixels);
    });
  } catch (const core::InputError& error) {
    throw invalid_image(error);
  }
}

RequestProcessor::RequestFailed RequestProcessor::invalid_image(const core::InputError& error) {
  return RequestFailed{FailureKind::kInvalidImage, std::string("Invalid image data: ") + error.what()};
}

inference::HumanAnalysis RequestProcessor::analyze(ActiveRequest& active, const cv::Mat& person,
                                                   const std::string& image_digest) {
  try {
    active.interruption.check();
    const auto started = std::chrono::steady_clock::now();
    // Exhausted memory (host or GPU) is not the request's fault: waited out
    // and tried again like an unavailable dependency, never a failed result.
    inference::HumanAnalysis analysis = retry_.until_done(active.log, "inference", active.interruption, [&] {
      try {
        return ports_.analyzer.analyze(person, image_digest, active.interruption);
      } catch (const std::exception& error) {
        if (!resource_exhausted(error)) throw;
        throw adapters::DependencyError(adapters::DependencyError::Kind::kTransient,
                                        std::string("Out of memory: ") + error.what());
      }
    });
    active.log.info(
        "inference", "models_done", "parsing and pose done",
        {{"duration_ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()}});
    return analysis;
  } catch (const core::InputError& error) {
    throw RequestFailed{FailureKind::kNoPerson, error.what()};  // "no person detected"
  } catch (const Abandoned&) {
    throw;
  } catch (const std::exception& error) {  // cv::Exception, Ort::Exception, anything else of the analysis
    throw RequestFailed{FailureKind::kInference, std::string("Mask generation failed: ") + error.what()};
  }
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
}

std::vector<std::vector<std::uint8_t>> RequestProcessor::encode_pngs(ActiveRequest& active,
                                                                     const std::vector<cv::Mat>& images) {
  active.interruption.check();
  std::vector<std::vector<std::uint8_t>> pngs(images.size());
  std::exception_ptr failure;
  active.times.time(Stage::kEncode, [&] {
    // Each PNG on one core (zlib is sequential): this thread and a few of
    // its own take the images in turn. Not OpenCV's pool: with its TBB
    // backend, a thread waiting there may run another request's mask graph.
    std::atomic<std::size_t> next{0};
    std::mutex failure_mutex;
    const auto encode = [&] {
      for (std::size_t at = next++; at < images.size(); at = next++) {
        try {
          if (!cv::imencode(".png", images[at], pngs[at])) throw std::runtime_error("the encoder refused the image");
        } catch (...) {
          const std::lock_guard lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      }
    };
    const std::size_t cores = std::max(1U, std::thread::hardware_concurrency());
    const std::size_t helpers = images.empty() ? 0 : std::min({images.size(), cores, kMaxEncodeThreads}) - 1;
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < helpers; ++i) {
      try {
        threads.emplace_back(encode);
      } catch (const std::system_error&) {
        break;  // no thread to be had: fewer encode in parallel
      }
    }
    encode();
  });
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      throw RequestFailed{FailureKind::kInference,
                          std::string("Mask generation failed: PNG encoding: ") + error.what()};
    }
  }
  return pngs;
}

void RequestProcessor::upload_png(ActiveRequest& active, const std::string& file,
                                  const std::vector<std::uint8_t>& png) {
  active.interruption.check();
  const std::string key = core::mask_object_key(active.request.user_id, active.request.request_id, file);
  retried(active, Stage::kUpload, "upload", [&] {
    ports_.masks.put_object(key, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()), "image/png");
  });
}

RequestProcessor::StoredMasks RequestProcessor::upload_masks(ActiveRequest& active, const cv::Mat& person,
                                                             const inference::HumanAnalysis& analysis) {
  const core::MaskRequest& request = active.request;
  core::GeneratedMasks masks = active.times.time(Stage::kMasks, [&] {
    return core::generate_masks(analysis.parse, analysis.keypoints, request.gender, request.mask_types);
  });
  StoredMasks stored;
  const auto add_mask = [&](core::MaskType type) {
    stored.filenames[type] = core::mask_file_name(type);
    stored.urls[type] =
        core::mask_url(settings_.storage.base_url, request.user_id, request.request_id, stored.filenames[type]);
  };
  if (!request.options.is_default()) {
    // Options (issue 20): each mask shaped, its extra outputs stored beside it.
    const core::MaskOptions& options = request.options;
    const core::MaskShaper shaper = active.times.time(
        Stage::kMasks, [&] { return core::MaskShaper(options, analysis.parse, analysis.keypoints, analysis.hands); });
    nlohmann::json artifacts = nlohmann::json::object();
    for (auto& [type, mask] : masks.masks) {
      const core::ShapedMask shaped = active.times.time(Stage::kMasks, [&] { return shaper.shape(mask); });
      mask = shaped.mask;
      const std::string name(core::mask_type_name(type));
      // One type's outputs at a time: a few images held, not all types'.
      std::vector<cv::Mat> images;
      for (const core::MaskOutput output : options.outputs) {
        images.push_back(active.times.time(Stage::kMasks, [&] {
          switch (output) {
            case core::MaskOutput::kMask:
              return shaped.mask;
            case core::MaskOutput::kSoft:
              return shaped.soft;
            case core::MaskOutput::kAgnostic:
              return core::agnostic_image(person, shaped.mask);
            case core::MaskOutput::kCutout:
              return core::cutout_image(person, options.feather_px ? shaped.soft : shaped.mask);
          }
          return shaped.mask;
        }));
      }
      const auto pngs = encode_pngs(active, images);
      for (std::size_t i = 0; i < options.outputs.size(); ++i) {
        const std::string file = core::artifact_file_name(name, options.outputs[i]);
        upload_png(active, file, pngs[i]);
        artifacts[name][std::string(core::mask_output_name(options.outputs[i]))] = file;
      }
      add_mask(type);
    }
    stored.extras = {{"options", core::mask_options_json(options)}, {"artifacts", artifacts}};
    if (options.report) {
      const core::PoseFacts pose{analysis.people_found,
                                 core::mean_keypoint_score(analysis.keypoints, analysis.keypoint_scores)};
      stored.extras["mask_info"] = active.times.time(Stage::kMasks, [&] {
        return core::mask_info(masks.masks, analysis.parse, analysis.keypoints, pose, shaper.warnings());
      });
    }
    active.log.info("upload", "masks_uploaded", "masks uploaded", {{"count", stored.filenames.size()}});
    return stored;
  }
  std::vector<cv::Mat> images;
  for (const auto& [type, mask] : masks.masks) images.push_back(mask);
  const auto pngs = encode_pngs(active, images);
  std::size_t i = 0;
  for (const auto& [type, mask] : masks.masks) {
    upload_png(active, core::mask_file_name(type), pngs[i++]);
    add_mask(type);
  }
  active.log.info("upload", "masks_uploaded", "masks uploaded", {{"count", stored.filenames.size()}});
  return stored;
}

void RequestProcessor::save(ActiveRequest& active, const StoredMasks& stored) {
  const core::MaskRequest& request = active.request;
  // A request revoked by now is finished by the partition's next owner.
  active.interruption.check();
  const bool written = retried(active, Stage::kDatabase, "database", [&] {
    return ports_.store.upsert_user_masks({request.user_id, request.gender, request.request_id, stored.filenames},
                                          active.position);
  });
  if (!written) {
    active.log.info("database", "row_kept", "a request consumed later already wrote this user's row; row kept");
  }
  if (!stored.extras.is_null()) {
    retried(active, Stage::kDatabase, "record",
            [&] { ports_.store.record_request_options(request.user_id, request.request_id, stored.extras); });
  }
  retried(active, Stage::kDatabase, "record",
          [&] { ports_.store.record_request_completed(request.user_id, request.request_id, stored.filenames); });
}

}  // namespace mc::service

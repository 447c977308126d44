// The request's image: fetched (or decoded from base64), recalled from the
// analysis cache or decoded and analysed by the networks.
#include "service/processing/request_processor.hpp"

#include <cctype>
#include <exception>
#include <new>

#include "adapters/dependency_error.hpp"
#include "adapters/image_decoding.hpp"
#include "adapters/image_fetcher.hpp"
#include "core/base64.hpp"
#include "core/digest.hpp"
#include "core/errors.hpp"
#include "core/person_image.hpp"

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
}  // namespace mc::service

// The request's masks: made and shaped, encoded as PNG, uploaded, then the
// user's row and the request's record written.
#include "service/processing/request_processor.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include "adapters/png_codec.hpp"
#include "core/ids.hpp"
#include "core/mask_engine.hpp"
#include "core/mask_options.hpp"
#include "core/mask_profiles.hpp"
#include "core/mask_report.hpp"
#include "core/result_messages.hpp"

namespace mc::service {

namespace {

// Threads that encode one request's PNGs at most (this one included).
constexpr std::size_t kMaxEncodeThreads = 4;

}  // namespace

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
          pngs[at] = adapters::encode_png(images[at]);
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
  if (request.options.profile != core::kDefaultProfile) return upload_profile_mask(active, analysis);
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
  // A profile request names none of the seed's types: the user's row (which
  // names seed masks in all seven columns) is left as it is.
  const bool profile = request.options.profile != core::kDefaultProfile;
  const bool written = profile || retried(active, Stage::kDatabase, "database", [&] {
                         return ports_.store.upsert_user_masks(
                             {request.user_id, request.gender, request.request_id, stored.filenames}, active.position);
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

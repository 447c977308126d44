// The mask profiles of issue 31 in the request processor: kept apart from
// request_processor.cpp, which holds the seed's flow.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/mask_options.hpp"
#include "core/mask_profiles.hpp"
#include "service/processing/request_processor.hpp"

namespace mc::service {

// Issue 31: one model's exact mask (and its grey mask where that code makes
// one), stored beside where the seed's masks go under names no seed type has;
// the result names them in `artifacts` and names the profile.
RequestProcessor::StoredMasks RequestProcessor::upload_profile_mask(ActiveRequest& active,
                                                                    const inference::HumanAnalysis& analysis) {
  const core::MaskOptions& options = active.request.options;
  const core::ProfileMask made = active.times.time(Stage::kMasks, [&] {
    return core::profile_mask(analysis.parse, analysis.keypoints, options.profile, options.category,
                              analysis.wholebody ? &*analysis.wholebody : nullptr, options.fitdit_offsets);
  });
  std::vector<cv::Mat> images{made.mask};
  if (!made.gray.empty()) images.push_back(made.gray);
  const auto pngs = encode_pngs(active, images);
  const std::string name =
      std::string(core::profile_name(options.profile)) + "_" + std::string(core::category_name(options.category));
  nlohmann::json files = nlohmann::json::object();
  for (std::size_t i = 0; i < pngs.size(); ++i) {
    const std::string file = core::profile_file_name(options.profile, options.category, i == 1);
    upload_png(active, file, pngs[i]);
    files[i == 1 ? "gray" : "mask"] = file;
  }
  StoredMasks stored;
  stored.extras = {{"options", core::mask_options_json(options)},
                   {"artifacts", {{name, files}}},
                   {"profile", std::string(core::profile_name(options.profile))}};
  active.log.info("upload", "masks_uploaded", "profile mask uploaded", {{"count", pngs.size()}});
  return stored;
}

}  // namespace mc::service

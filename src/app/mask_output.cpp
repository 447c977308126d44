#include "app/mask_output.hpp"

#include <iostream>
#include <stdexcept>

#include "adapters/local_files.hpp"
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/json_text.hpp"
#include "core/mask_profiles.hpp"

namespace mc::app {

core::Gender validate_cli_gender(const std::string& gender) {
  if (const auto known = core::gender_from_text(gender)) return *known;
  throw core::InputError("unknown gender \"" + gender + "\" (expected M, F, MALE, FEMALE or OTHER)");
}

std::vector<core::MaskType> requested_mask_types(const std::string& list) {
  return list.empty() ? std::vector<core::MaskType>(core::kAllMaskTypes.begin(), core::kAllMaskTypes.end())
                      : core::parse_mask_type_list(list);
}

core::MaskOptions cli_mask_options(const std::string& text) {
  if (text.empty()) return {};
  // The request's limits, depth included: quoting a value in an error is
  // recursive, and a hostile depth would exhaust the stack.
  const std::string problem = core::json_text_problem(text);
  if (!problem.empty()) {
    const std::string_view prefix = "message is ";
    throw core::InputError("invalid --options: " +
                           (problem.rfind(prefix, 0) == 0 ? problem.substr(prefix.size()) : problem));
  }
  try {
    return core::parse_mask_options(nlohmann::json::parse(text));
  } catch (const core::InputError& error) {
    throw core::InputError(std::string("invalid --options: ") + error.what());
  }
}

core::MaskOptions cli_mask_options(const MaskOutputOptions& options) {
  if (options.profile.empty() && options.category.empty()) return cli_mask_options(options.options_json);
  nlohmann::json merged = nlohmann::json::object();
  if (!options.options_json.empty()) {
    // fitdit_offsets need the profile that --profile gives: checked with it below.
    std::string text = options.options_json;
    nlohmann::json fitdit_offsets;
    if (core::json_text_problem(text).empty()) {
      nlohmann::json raw = nlohmann::json::parse(text, nullptr, false);
      if (raw.is_object() && raw.contains("fitdit_offsets")) {
        fitdit_offsets = raw["fitdit_offsets"];
        raw.erase("fitdit_offsets");
        text = raw.dump();
      }
    }
    const core::MaskOptions checked = cli_mask_options(text);  // its own errors first
    merged = core::mask_options_json(checked);
    if (!fitdit_offsets.is_null()) merged["fitdit_offsets"] = fitdit_offsets;
  }
  if (!options.profile.empty()) merged["profile"] = options.profile;
  if (!options.category.empty()) merged["category"] = options.category;
  core::MaskOptions parsed;
  try {
    parsed = core::parse_mask_options(merged);
  } catch (const core::InputError& error) {
    throw core::InputError(std::string("invalid --profile: ") + error.what());
  }
  if (parsed.profile != core::kDefaultProfile) {
    // Refused before any model runs.
    if (!options.types.empty()) throw core::InputError("--types and --profile cannot be given together");
    if (!options.preview_path.empty()) {
      throw core::InputError("--preview shows the seed's mask types: not with --profile");
    }
  }
  return parsed;
}

bool write_profile_files(const MaskOutputOptions& cli, const core::MaskOptions& options, const cv::Mat& parse,
                         const core::Keypoints& keypoints, const core::fitdit::WholeBodyPoints* wholebody) {
  if (options.profile == core::kDefaultProfile) return false;
  if (options.profile == core::MaskProfile::kFitdit && wholebody == nullptr) {
    throw core::InputError(
        "--profile fitdit needs DWPose's whole-body keypoints: run generate with POSE_MODEL=dwpose (masks reads only "
        "the 18 body keypoints)");
  }
  const core::ProfileMask made =
      core::profile_mask(parse, keypoints, options.profile, options.category, wholebody, options.fitdit_offsets);
  std::error_code error;
  std::filesystem::create_directories(cli.out_dir, error);
  if (error) throw std::runtime_error(cli.out_dir.string() + ": cannot create folder: " + error.message());
  for (const bool gray : {false, true}) {
    const cv::Mat& image = gray ? made.gray : made.mask;
    if (image.empty()) continue;
    const auto path = cli.out_dir / core::profile_file_name(options.profile, options.category, gray);
    adapters::write_png(path, image);
    std::cout << path.string() << '\n';
  }
  return true;
}

void apply_cli_options(const std::filesystem::path& directory, const core::MaskOptions& options,
                       core::GeneratedMasks& masks, const cv::Mat& parse, const core::Keypoints& keypoints,
                       const cv::Mat& photo, const core::PoseFacts& pose, const core::HandKeypoints& hands) {
  if (options.is_default()) return;
  for (const core::MaskOutput output : {core::MaskOutput::kAgnostic, core::MaskOutput::kCutout}) {
    if (options.wants(output) && photo.empty()) {
      throw core::InputError("invalid --options: options.outputs holds \"" +
                             std::string(core::mask_output_name(output)) + "\", which needs the photo (use generate)");
    }
  }
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) throw std::runtime_error(directory.string() + ": cannot create folder: " + error.message());
  const core::MaskShaper shaper(options, parse, keypoints, hands);
  for (auto& [type, mask] : masks.masks) {
    const core::ShapedMask shaped = shaper.shape(mask);
    mask = shaped.mask;
    const std::string name(core::mask_type_name(type));
    for (const core::MaskOutput output : options.outputs) {
      cv::Mat image;
      if (output == core::MaskOutput::kSoft) image = shaped.soft;
      if (output == core::MaskOutput::kAgnostic) image = core::agnostic_image(photo, shaped.mask);
      if (output == core::MaskOutput::kCutout) {
        image = core::cutout_image(photo, options.feather_px ? shaped.soft : shaped.mask);
      }
      if (image.empty()) continue;  // the mask itself: write_mask_files
      const auto path = directory / core::artifact_file_name(name, output);
      adapters::write_png(path, image);
      std::cout << path.string() << '\n';
    }
  }
  if (options.report) {
    const auto path = directory / "mask_info.json";
    adapters::write_text_file(path,
                              core::mask_info(masks.masks, parse, keypoints, pose, shaper.warnings()).dump(1) + "\n");
    std::cout << path.string() << '\n';
  }
}

void write_mask_files(const std::filesystem::path& directory, const core::GeneratedMasks& masks) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) throw std::runtime_error(directory.string() + ": cannot create folder: " + error.message());
  for (const auto& [type, mask] : masks.masks) {
    const auto path = directory / core::mask_file_name(type);
    adapters::write_png(path, mask);
    std::cout << path.string() << '\n';
  }
}

}  // namespace mc::app

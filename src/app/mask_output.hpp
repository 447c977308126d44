#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/gender.hpp"
#include "core/mask_engine.hpp"
#include "core/mask_options.hpp"
#include "core/mask_report.hpp"
#include "core/mask_types.hpp"

namespace mc::app {

// What `masks` and `generate` both take: which masks, for whom, where, shaped how.
struct MaskOutputOptions {
  std::string gender;
  std::string types;  // comma-separated; empty means all seven
  std::filesystem::path out_dir;
  std::filesystem::path preview_path;  // optional
  std::string options_json;            // --options; empty: none
  std::string profile;                 // --profile (issue 31); empty: seed
  std::string category;                // --category; empty: the profile's first
};

// The help texts of --profile and --category, shared by `masks` and `generate`.
inline constexpr const char* kProfileHelp =
    "Mask profile: seed (the mask types, default), or one try-on model's exact mask: ootd_hd, ootd_dc, idm_hd, "
    "idm_dc, fitdit (generate with POSE_MODEL=dwpose only; docs/algorithm.md section 9); writes "
    "{profile}_{category}_mask.png (and _mask_gray.png for ootd and fitdit)";
inline constexpr const char* kCategoryHelp = "With --profile: upper_body (default), lower_body or dresses";

// Accepts M, F, MALE, FEMALE and OTHER in any case; throws InputError otherwise.
core::Gender validate_cli_gender(const std::string& gender);

// A comma-separated list of mask types; empty means all seven.
std::vector<core::MaskType> requested_mask_types(const std::string& list);

// Creates `directory` and writes {type}_mask.png for each mask, printing each path.
void write_mask_files(const std::filesystem::path& directory, const core::GeneratedMasks& masks);

// `--options JSON`: the request's `options` object (docs/algorithm.md
// section 8). Throws InputError "invalid --options: options.dilate_px ...".
core::MaskOptions cli_mask_options(const std::string& text);
// --options with --profile and --category merged in as options.profile and
// options.category, validated as a request's ("invalid --profile: options.profile ...");
// --types and --preview are refused with a profile other than seed.
core::MaskOptions cli_mask_options(const MaskOutputOptions& options);

// With a profile other than seed: writes that profile's mask (and grey mask)
// into `directory`, printing each path, and returns true. Returns false for seed.
// fitdit needs `wholebody` (generate with POSE_MODEL=dwpose): InputError without it.
bool write_profile_files(const MaskOutputOptions& cli, const core::MaskOptions& options, const cv::Mat& parse,
                         const core::Keypoints& keypoints, const core::fitdit::WholeBodyPoints* wholebody = nullptr);

// Applies `options` to `masks` in place and writes each extra output
// ({type}_mask_soft.png, {type}_agnostic.png, {type}_cutout.png) and, with
// the report, mask_info.json into `directory`, printing each path. `photo`
// (BGR, 768 x 1024) may be empty when neither agnostic nor cutout is asked for.
// `hands`: the pose network's hand keypoints, where it gives them (protect hands).
// Call before write_mask_files, which then writes the shaped masks.
void apply_cli_options(const std::filesystem::path& directory, const core::MaskOptions& options,
                       core::GeneratedMasks& masks, const cv::Mat& parse, const core::Keypoints& keypoints,
                       const cv::Mat& photo, const core::PoseFacts& pose, const core::HandKeypoints& hands = {});

}  // namespace mc::app

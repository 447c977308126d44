#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "core/keypoints.hpp"
#include "core/mask_types.hpp"

namespace mc::core {

// Mask profiles (issue 31, docs/algorithm.md section 9): `seed` is this
// project's 7 mask types; the others reproduce, pixel for pixel, the mask of
// one try-on model's published preprocessing code (get_mask_location of
// OOTDiffusion's run/utils_ootd.py and of IDM-VTON's gradio_demo/utils_mask.py,
// with the arm width of its model type and the resize its caller applies;
// FitDiT's src/utils_mask.py, core/fitdit_mask.hpp).
enum class MaskProfile { kSeed, kOotdHd, kOotdDc, kIdmHd, kIdmDc, kFitdit };

inline constexpr MaskProfile kDefaultProfile = MaskProfile::kSeed;
inline constexpr std::array<MaskProfile, 6> kAllProfiles = {MaskProfile::kSeed,   MaskProfile::kOotdHd,
                                                            MaskProfile::kOotdDc, MaskProfile::kIdmHd,
                                                            MaskProfile::kIdmDc,  MaskProfile::kFitdit};

namespace fitdit {
// DWPose's 134 points in OpenPose's order (core/dwpose.hpp OpenPosePerson): body 0..17,
// feet 18..23, face 24..91, left hand 92..112, right hand 113..133.
inline constexpr int kPointCount = 134;
using WholeBodyPoints = std::array<cv::Point2f, kPointCount>;

// FitDiT's four offsets (gradio_sd3.py's sliders: whole pixels in -200..200), added to the
// rectangle's corners: a positive top or left moves that side down or right.
inline constexpr int kMaxOffset = 200;
struct Offsets {
  int top = 0;
  int bottom = 0;
  int left = 0;
  int right = 0;
  [[nodiscard]] bool any() const { return top != 0 || bottom != 0 || left != 0 || right != 0; }
};
}  // namespace fitdit

// The wire name: "seed", "ootd_hd", "ootd_dc", "idm_hd", "idm_dc", "fitdit".
std::string_view profile_name(MaskProfile profile);
std::optional<MaskProfile> profile_from_name(std::string_view name);
// The wire name of a category: "upper_body", "lower_body", "dresses".
std::string_view category_name(Category category);
std::optional<Category> category_from_name(std::string_view name);

// The categories a (non-seed) profile's code accepts: ootd_hd only
// upper_body (run_ootd.py refuses the others for hd); the rest all three.
// Empty for seed, which takes mask types instead.
std::vector<Category> profile_categories(MaskProfile profile);
bool profile_has_category(MaskProfile profile, Category category);

// The object name of a profile's output: "{profile}_{category}_mask.png" and,
// for `gray`, "{profile}_{category}_mask_gray.png". No seed mask type is
// named so, so they never take a seed mask's place.
std::string profile_file_name(MaskProfile profile, Category category, bool gray);

// What a profile produces for one category: `mask` (CV_8UC1, 768 x 1024, as
// the model's caller resizes it: 0/255 with NEAREST for OOTDiffusion, grey
// edges with Pillow's default BICUBIC for IDM-VTON, 0/255 for FitDiT) and,
// where the code makes one, `gray`: the grey mask at the same size, which the
// caller composites over the photo (0/127 for OOTDiffusion, 0/128 for FitDiT).
// Empty for IDM-VTON, whose app builds its grey image from the photo with
// torch instead.
struct ProfileMask {
  cv::Mat mask;
  cv::Mat gray;
};

// get_mask_location(model_type, category, parse, keypoints) at its working
// size, 384 x 512, 0/255: arm_width 60 for hd, 45 for dc. parse_full is a
// label map with labels 0..18 (768 x 1024, other sizes are first brought to
// it); keypoints in 384 x 512 coordinates. Throws InputError on a bad map.
cv::Mat reference_mask_location(const cv::Mat& parse_full, const Keypoints& keypoints, int arm_width,
                                Category category);

// One profile's mask of one category. fitdit reads `wholebody` (DWPose's
// points as FitDiT reads them) and `offsets` instead of `keypoints`. Throws
// InputError for seed, for a category the profile lacks, for fitdit without
// `wholebody`, and on a bad map.
ProfileMask profile_mask(const cv::Mat& parse_full, const Keypoints& keypoints, MaskProfile profile, Category category,
                         const fitdit::WholeBodyPoints* wholebody = nullptr, const fitdit::Offsets& offsets = {});

}  // namespace mc::core

#include "core/mask_profiles.hpp"

#include <algorithm>
#include <array>
#include <string>

#include <opencv2/imgproc.hpp>

#include "core/category_mask.hpp"
#include "core/errors.hpp"
#include "core/fitdit_mask.hpp"
#include "core/label_map.hpp"
#include "core/labels.hpp"
#include "core/morphology.hpp"
#include "core/pillow_resize.hpp"

namespace mc::core {

namespace {

struct ProfileSpec {
  MaskProfile profile;
  std::string_view name;
  int arm_width;     // get_mask_location's arm_width for the model type
  bool bicubic_out;  // the caller's resize to 768 x 1024: BICUBIC (IDM-VTON) or NEAREST
};

// The arm widths and resizes of the reference calls (docs/algorithm.md section 9).
constexpr std::array<ProfileSpec, 6> kProfiles = {{
    {MaskProfile::kSeed, "seed", 0, false},
    {MaskProfile::kOotdHd, "ootd_hd", 60, false},
    {MaskProfile::kOotdDc, "ootd_dc", 45, false},
    {MaskProfile::kIdmHd, "idm_hd", 60, true},
    {MaskProfile::kIdmDc, "idm_dc", 45, true},
    {MaskProfile::kFitdit, "fitdit", 0, false},
}};

const ProfileSpec& spec(MaskProfile profile) {
  return *std::find_if(kProfiles.begin(), kProfiles.end(),
                       [profile](const ProfileSpec& s) { return s.profile == profile; });
}

constexpr std::array<std::pair<Category, std::string_view>, 3> kCategoryNames = {{
    {Category::kUpperBody, "upper_body"},
    {Category::kLowerBody, "lower_body"},
    {Category::kDresses, "dresses"},
}};

// utils_ootd.py hole_fill: the border cleared, then every zero pixel that the
// flood fill from (0, 0) does not reach (4-connected) is filled.
void fill_holes(cv::Mat& mask) {
  mask.row(0).setTo(0);
  mask.row(mask.rows - 1).setTo(0);
  mask.col(0).setTo(0);
  mask.col(mask.cols - 1).setTo(0);
  cv::Mat reached = mask.clone();
  cv::floodFill(reached, cv::Point(0, 0), cv::Scalar(255));
  cv::Mat holes;
  cv::bitwise_not(reached, holes);
  cv::bitwise_or(mask, holes, mask);
}

}  // namespace

std::string_view profile_name(MaskProfile profile) { return spec(profile).name; }

std::optional<MaskProfile> profile_from_name(std::string_view name) {
  for (const ProfileSpec& s : kProfiles) {
    if (s.name == name) return s.profile;
  }
  return std::nullopt;
}

std::string_view category_name(Category category) {
  for (const auto& [c, name] : kCategoryNames) {
    if (c == category) return name;
  }
  return "upper_body";
}

std::optional<Category> category_from_name(std::string_view name) {
  for (const auto& [c, n] : kCategoryNames) {
    if (n == name) return c;
  }
  return std::nullopt;
}

std::vector<Category> profile_categories(MaskProfile profile) {
  switch (profile) {
    case MaskProfile::kSeed:
      return {};
    case MaskProfile::kOotdHd:
      // run_ootd.py: "model_type 'hd' requires category == 0 (upperbody)!"
      return {Category::kUpperBody};
    default:
      return {Category::kUpperBody, Category::kLowerBody, Category::kDresses};
  }
}

bool profile_has_category(MaskProfile profile, Category category) {
  const std::vector<Category> categories = profile_categories(profile);
  return std::find(categories.begin(), categories.end(), category) != categories.end();
}

std::string profile_file_name(MaskProfile profile, Category category, bool gray) {
  return std::string(profile_name(profile)) + "_" + std::string(category_name(category)) +
         (gray ? "_mask_gray.png" : "_mask.png");
}

cv::Mat reference_mask_location(const cv::Mat& parse_full, const Keypoints& keypoints, int arm_width,
                                Category category) {
  const cv::Mat parse = pillow::resize_nearest(normalize_label_map(parse_full), cv::Size(kWorkWidth, kWorkHeight));
  // The labels of parser_mask_fixed and of parse_mask, per category. The
  // changeable set is the complement of the fixed labels, so the inpaint mask
  // reduces to "target and not (fixed labels, hands, head)" as in seed
  // (docs/algorithm.md section 4 step 7).
  LabelSet fixed_labels{kLeftShoe, kRightShoe, kHat, kSunglasses, kBag};
  LabelSet target_labels;
  switch (category) {
    case Category::kDresses:
      target_labels = {kDress, kUpperClothes, kSkirt, kPants};
      break;
    case Category::kUpperBody:
      target_labels = {kUpperClothes, kDress};
      fixed_labels.add(LabelSet{kSkirt, kPants});
      break;
    case Category::kLowerBody:
      target_labels = {kPants, kLeftLeg, kRightLeg, kSkirt};
      fixed_labels.add(LabelSet{kUpperClothes, kLeftArm, kRightArm});
      break;
  }
  const cv::Mat head = LabelSet{kHat, kSunglasses, kFace}.select(parse);
  cv::Mat fixed = fixed_labels.select(parse);
  cv::Mat target = target_labels.select(parse);
  cv::dilate(target, target, square_kernel(5), cv::Point(-1, -1), 5);
  if (category != Category::kLowerBody) {
    struct Side {
      KeypointId shoulder, elbow, wrist;
      Label arm_label;
      ArmSide side;
    };
    const std::array<Side, 2> sides = {{{kRightShoulder, kRightElbow, kRightWrist, kRightArm, ArmSide::kRight},
                                        {kLeftShoulder, kLeftElbow, kLeftWrist, kLeftArm, ArmSide::kLeft}}};
    // ARM_LINE_WIDTH = int(arm_width / 512 * height) with height 512.
    cv::Mat arms = cv::Mat::zeros(parse.size(), CV_8UC1);
    for (const Side& side : sides) {
      const cv::Mat parsed_arm = LabelSet{side.arm_label}.select(parse);
      const cv::Point2f wrist = keypoints[side.wrist];
      // A missing wrist (x <= 1 and y <= 1) falls back to the parsed arm.
      const cv::Mat arm_image = wrist.x <= 1.0F && wrist.y <= 1.0F
                                    ? parsed_arm
                                    : draw_arm_image(parse.size(), keypoints[side.shoulder], keypoints[side.elbow],
                                                     wrist, side.side, arm_width, true);
      cv::bitwise_or(arms, arm_image, arms);
      cv::Mat hand;
      cv::bitwise_not(arm_image, hand);
      cv::bitwise_and(hand, parsed_arm, hand);
      cv::bitwise_or(fixed, hand, fixed);
    }
    // The whole neck, dilated once and without the head (seed keeps only its
    // lower part).
    cv::Mat neck;
    cv::dilate(LabelSet{kNeck}.select(parse), neck, square_kernel(5), cv::Point(-1, -1), 1);
    neck.setTo(0, head);
    cv::bitwise_or(target, neck, target);
    cv::dilate(arms, arms, square_kernel(5), cv::Point(-1, -1), 4);
    cv::bitwise_or(target, arms, target);
  }
  cv::bitwise_or(fixed, head, fixed);
  cv::Mat mask;
  cv::bitwise_not(fixed, mask);
  cv::bitwise_and(mask, target, mask);
  // No morphological smoothing after the hole fill, unlike seed.
  fill_holes(mask);
  return largest_region(mask);
}

ProfileMask profile_mask(const cv::Mat& parse_full, const Keypoints& keypoints, MaskProfile profile, Category category,
                         const fitdit::WholeBodyPoints* wholebody, const fitdit::Offsets& offsets) {
  if (profile == MaskProfile::kSeed) throw InputError("profile seed makes mask types, not categories");
  if (!profile_has_category(profile, category)) {
    throw InputError("profile " + std::string(profile_name(profile)) + " has no category " +
                     std::string(category_name(category)));
  }
  if (profile == MaskProfile::kFitdit) {
    if (wholebody == nullptr) {
      throw InputError("profile fitdit needs DWPose's whole-body keypoints (POSE_MODEL=dwpose)");
    }
    return fitdit::mask_location(parse_full, *wholebody, category, offsets);
  }
  const ProfileSpec& s = spec(profile);
  const cv::Mat work = reference_mask_location(parse_full, keypoints, s.arm_width, category);
  const cv::Size full(kImageWidth, kImageHeight);
  ProfileMask out;
  if (s.bicubic_out) {
    out.mask = pillow::resize_bicubic(work, full);
  } else {
    out.mask = pillow::resize_nearest(work, full);
    // mask_gray = inpaint_mask * 127, resized like the mask.
    out.gray = out.mask / 255 * 127;
  }
  return out;
}

}  // namespace mc::core

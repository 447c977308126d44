#include "core/mask_report.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/labels.hpp"
#include "core/mask_options.hpp"

namespace mc::core {

namespace {

bool missing(cv::Point2f point) { return point.x <= 1.0F && point.y <= 1.0F; }

bool has_label(const cv::Mat& parse, int label) { return cv::countNonZero(LabelSet{label}.select(parse)) > 0; }

}  // namespace

std::optional<double> mean_keypoint_score(const Keypoints& keypoints, const std::array<float, kKeypointCount>& scores) {
  double sum = 0.0;
  int present = 0;
  for (std::size_t i = 0; i < kKeypointCount; ++i) {
    if (missing(keypoints[i])) continue;
    sum += static_cast<double>(scores[i]);
    ++present;
  }
  if (present == 0) return std::nullopt;
  return sum / present;
}

std::string_view view_name(View view) {
  switch (view) {
    case View::kFront:
      return "front";
    case View::kBack:
      return "back";
    case View::kSide:
      return "side";
  }
  return "front";
}

std::optional<View> view_of(const Keypoints& keypoints, double height_px) {
  const cv::Point2f right = keypoints[kRightShoulder];
  const cv::Point2f left = keypoints[kLeftShoulder];
  // No shoulder, no evidence either way (a photo of the legs, keypoints of nobody).
  if (missing(right) && missing(left)) return std::nullopt;
  if (missing(right) || missing(left)) return View::kSide;
  const double apart = static_cast<double>(left.x) - static_cast<double>(right.x);  // positive when facing the camera
  const double narrow = height_px > 0.0 ? 0.1 * height_px / 2.0 : 10.0;
  if (std::abs(apart) < narrow) return View::kSide;
  const bool ear = !missing(keypoints[kRightEar]) || !missing(keypoints[kLeftEar]);
  if ((missing(keypoints[kNose]) && ear) || apart < 0.0) return View::kBack;
  return View::kFront;
}

std::optional<cv::Rect2d> keypoint_box(const Keypoints& keypoints) {
  std::optional<cv::Rect2d> box;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  for (const cv::Point2f& point : keypoints) {
    if (missing(point)) continue;
    const double x = 2.0 * static_cast<double>(point.x);
    const double y = 2.0 * static_cast<double>(point.y);
    if (!box) {
      x0 = x1 = x;
      y0 = y1 = y;
    }
    x0 = std::min(x0, x);
    y0 = std::min(y0, y);
    x1 = std::max(x1, x);
    y1 = std::max(y1, y);
    box = cv::Rect2d(x0, y0, x1 - x0, y1 - y0);
  }
  return box;
}

nlohmann::json mask_info(const std::vector<std::pair<MaskType, cv::Mat>>& masks, const cv::Mat& parse_full,
                         const Keypoints& keypoints, const PoseFacts& pose,
                         const std::vector<std::string>& extra_warnings) {
  nlohmann::json warnings = nlohmann::json::array();
  if (pose.person_count && *pose.person_count > 1) {
    warnings.push_back("several people (" + std::to_string(*pose.person_count) +
                       "): the one with the most body parts was used");
  }
  for (const auto& warning : extra_warnings) warnings.push_back(warning);
  const bool dress =
      std::any_of(masks.begin(), masks.end(), [](const auto& entry) { return entry.first == MaskType::kDress; });
  if (dress && !has_label(parse_full, kDress) && has_label(parse_full, kUpperClothes) &&
      (has_label(parse_full, kSkirt) || has_label(parse_full, kPants))) {
    warnings.push_back("dress mask built from upper and lower garments (no dress in the parse map)");
  }
  nlohmann::json per_type = nlohmann::json::object();
  for (const auto& [type, mask] : masks) {
    const std::string name(mask_type_name(type));
    const int area = cv::countNonZero(mask);
    nlohmann::json entry;
    if (area == 0) {
      entry["bbox"] = nullptr;
      warnings.push_back(name + ": mask is empty");
    } else {
      const cv::Rect box = cv::boundingRect(mask);
      entry["bbox"] = {box.x, box.y, box.x + box.width - 1, box.y + box.height - 1};
    }
    entry["area_fraction"] = static_cast<double>(area) / static_cast<double>(mask.total());
    entry["empty"] = area == 0;
    per_type[name] = entry;
  }
  nlohmann::json info;
  info["masks"] = per_type;
  info["person_count"] = pose.person_count ? nlohmann::json(*pose.person_count) : nlohmann::json(nullptr);
  if (const auto box = keypoint_box(keypoints)) {
    info["person_box"] = {box->x, box->y, box->x + box->width, box->y + box->height};
  } else {
    info["person_box"] = nullptr;
  }
  info["keypoint_confidence"] =
      pose.keypoint_confidence ? nlohmann::json(*pose.keypoint_confidence) : nlohmann::json(nullptr);
  const std::optional<View> view = view_of(keypoints, person_height(parse_full, keypoints).pixels);
  info["view"] = view ? nlohmann::json(std::string(view_name(*view))) : nlohmann::json(nullptr);
  info["warnings"] = warnings;
  return info;
}

}  // namespace mc::core

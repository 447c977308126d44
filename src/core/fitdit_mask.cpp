#include "core/fitdit_mask.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/label_map.hpp"
#include "core/labels.hpp"

namespace mc::core::fitdit {

namespace {

// The index ranges of pose_data that utils_mask.py names.
constexpr int kFoot1 = 18;   // foot1 = pose_data[18:21]
constexpr int kFoot2 = 21;   // foot2 = pose_data[21:24]
constexpr int kFaces = 24;   // faces = pose_data[24:92]
constexpr int kHands1 = 92;  // hands1 = pose_data[92:113]
constexpr int kHands2 = 113;

// The reference keeps coordinates as numpy float32 and its pads as ints; float holds both
// exactly, and float arithmetic is numpy's float32 arithmetic.
struct Collected {
  std::vector<float> values;
  // Coordinate `axis` (0 x, 1 y) of points[base + i] for each i, where it is not 0.
  void add(const WholeBodyPoints& points, int base, std::initializer_list<int> indices, int axis) {
    for (const int i : indices) {
      const cv::Point2f& p = points[static_cast<std::size_t>(base + i)];
      const float v = axis == 0 ? p.x : p.y;
      if (v != 0.0F) values.push_back(v);
    }
  }
  [[nodiscard]] float min_or(float fallback) const {
    return values.empty() ? fallback : *std::min_element(values.begin(), values.end());
  }
  [[nodiscard]] float max_or(float fallback) const {
    return values.empty() ? fallback : *std::max_element(values.begin(), values.end());
  }
};

struct Rect {
  float x1, y1, x2, y2;  // cv2.boundingRect's x, y, x + w, y + h
};

std::vector<std::vector<cv::Point>> external_contours(const cv::Mat& mask) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  return contours;
}

Rect bounds(const std::vector<cv::Point>& contour) {
  const cv::Rect r = cv::boundingRect(contour);
  return {static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.x + r.width),
          static_cast<float>(r.y + r.height)};
}

// max(contours, key=cv2.contourArea): the first of the largest; none without contours.
std::optional<Rect> largest_contour_bounds(const cv::Mat& mask) {
  const auto contours = external_contours(mask);
  if (contours.empty()) return std::nullopt;
  std::size_t best = 0;
  double best_area = cv::contourArea(contours[0]);
  for (std::size_t i = 1; i < contours.size(); ++i) {
    const double area = cv::contourArea(contours[i]);
    if (area > best_area) {
      best = i;
      best_area = area;
    }
  }
  return bounds(contours[best]);
}

// remove_small: each 8-connected region (skimage's label) under `min_area` pixels has its
// whole bounding box cleared, whatever else lies in it.
void remove_small(cv::Mat& mask, double min_area) {
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  std::vector<cv::Rect> small;
  for (int i = 1; i < count; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_AREA) < min_area) {
      small.emplace_back(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                         stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    }
  }
  for (const cv::Rect& r : small) mask(r).setTo(0);
}

// y1 lowered to the mean of the face's jaw points 5 and 11 where they are seen, the top pad
// dropped when that is higher (upper_body and dresses).
void reach_face(const WholeBodyPoints& points, float& y1, int& pad_y1) {
  Collected face;
  face.add(points, kFaces, {5, 11}, 1);
  if (face.values.empty()) return;
  const float y_face = face.values.size() == 1 ? face.values[0] : (face.values[0] + face.values[1]) / 2.0F;
  if (y_face < y1) pad_y1 = 0;
  y1 = std::min(y1, y_face);
}

// ImageDraw.rectangle(..., fill) of Pillow 9.4: corners truncated to int, swapped when
// inverted, rows and columns inclusive, clipped to the image.
void fill_rectangle(cv::Mat& image, float fx0, float fy0, float fx1, float fy1, uchar value) {
  int x0 = static_cast<int>(fx0), y0 = static_cast<int>(fy0);
  int x1 = static_cast<int>(fx1), y1 = static_cast<int>(fy1);
  if (x0 > x1) std::swap(x0, x1);
  if (y0 > y1) std::swap(y0, y1);
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, image.cols - 1);
  y1 = std::min(y1, image.rows - 1);
  if (x0 > x1 || y0 > y1) return;
  image(cv::Range(y0, y1 + 1), cv::Range(x0, x1 + 1)).setTo(value);
}

struct Box {
  float x1, y1, x2, y2;
  int pad_x1, pad_y1, pad_x2, pad_y2;
};

Box upper_box(const cv::Mat& parse, const WholeBodyPoints& p) {
  const float width = static_cast<float>(parse.cols);
  const float height = static_cast<float>(parse.rows);
  // Every upper garment outline of contour area >= 100 counts, their boxes joined.
  std::optional<Rect> cloth;
  for (const auto& contour : external_contours(LabelSet{kUpperClothes, kDress}.select(parse))) {
    if (cv::contourArea(contour) < 100) continue;
    const Rect r = bounds(contour);
    cloth = cloth ? Rect{std::min(cloth->x1, r.x1), std::min(cloth->y1, r.y1), std::max(cloth->x2, r.x2),
                         std::max(cloth->y2, r.y2)}
                  : r;
  }
  Collected x1, y1, x2, y2;
  x1.add(p, 0, {2, 3, 4}, 0), x1.add(p, kHands2, {5, 9, 13}, 0), x1.add(p, kHands1, {5, 9, 13}, 0);
  y1.add(p, 0, {2, 5}, 1), y1.add(p, kHands2, {5, 9, 13}, 1), y1.add(p, kHands1, {5, 9, 13}, 1);
  x2.add(p, 0, {5, 6, 7}, 0), x2.add(p, kHands1, {5, 9, 13}, 0), x2.add(p, kHands2, {5, 9, 13}, 0);
  y2.add(p, 0, {8, 11}, 1), y2.add(p, kHands2, {5, 9, 13}, 1), y2.add(p, kHands1, {5, 9, 13}, 1);
  Box box{x1.min_or(0), y1.min_or(0), x2.max_or(width), y2.max_or(height), 25, 20, 25, 10};
  if (cloth) {
    box.x1 = std::min(box.x1, cloth->x1);
    box.x2 = std::max(box.x2, cloth->x2);
    box.y1 = std::min(box.y1, cloth->y1);
    if (box.y2 > cloth->y2) box.pad_y2 = 0;
    box.y2 = std::max(box.y2, cloth->y2);
  }
  reach_face(p, box.y1, box.pad_y1);
  return box;
}

Box lower_box(const cv::Mat& parse, const WholeBodyPoints& p) {
  const float width = static_cast<float>(parse.cols);
  const float height = static_cast<float>(parse.rows);
  cv::Mat lower = LabelSet{kSkirt, kPants, kBelt}.select(parse);
  remove_small(lower, 1000.0 * (static_cast<double>(parse.rows) * parse.cols / 1024 / 768));
  const std::optional<Rect> cloth = largest_contour_bounds(lower);
  // Without a skirt, pants or belt, a dress's outline still widens the box.
  const std::optional<Rect> all_cloth =
      cloth ? std::nullopt : largest_contour_bounds(LabelSet{kSkirt, kPants, kDress, kBelt}.select(parse));
  Collected xs, y2;
  xs.add(p, 0, {8, 9, 10}, 0), xs.add(p, kFoot2, {0, 1, 2}, 0);
  xs.add(p, 0, {11, 12, 13}, 0), xs.add(p, kFoot1, {0, 1, 2}, 0);
  y2.add(p, 0, {10, 13}, 1);
  // The reference tests foot2's heel but takes foot1's.
  if (p[kFoot2 + 2].y != 0.0F) y2.values.push_back(p[kFoot1 + 2].y);
  y2.add(p, kFoot2, {2}, 1);
  Box box{xs.min_or(0), std::min(p[8].y, p[11].y), xs.max_or(width), y2.max_or(height), 30, cloth ? 5 : 50, 30, 10};
  if (cloth) {
    box = {std::min(box.x1, cloth->x1),
           std::min(box.y1, cloth->y1),
           std::max(box.x2, cloth->x2),
           std::max(box.y2, cloth->y2),
           30,
           5,
           30,
           10};
  } else if (all_cloth) {
    box.x1 = std::min(box.x1, all_cloth->x1);
    box.x2 = std::max(box.x2, all_cloth->x2);
  }
  return box;
}

Box dresses_box(const cv::Mat& parse, const WholeBodyPoints& p) {
  const float width = static_cast<float>(parse.cols);
  const float height = static_cast<float>(parse.rows);
  const std::optional<Rect> cloth =
      largest_contour_bounds(LabelSet{kUpperClothes, kSkirt, kPants, kDress, kLeftArm, kRightArm}.select(parse));
  Collected x1, y1, x2, y2;
  x1.add(p, 0, {2, 3, 4}, 0), x1.add(p, 0, {8, 9, 10}, 0), x1.add(p, kFoot2, {0, 1, 2}, 0);
  x1.add(p, kHands2, {5, 9, 13, 17}, 0);
  // Both shoulders' y count even when missing (0).
  y1.values = {p[2].y, p[5].y};
  y1.add(p, kHands2, {5, 9, 13, 17}, 1), y1.add(p, kHands1, {5, 9, 13, 17}, 1);
  x2.add(p, 0, {5, 6, 7}, 0), x2.add(p, 0, {11, 12, 13}, 0), x2.add(p, kFoot1, {0, 1, 2}, 0);
  x2.add(p, kHands1, {5, 9, 13, 17}, 0);
  y2.add(p, 0, {10, 13}, 1), y2.add(p, kFoot1, {0, 1, 2}, 1), y2.add(p, kFoot2, {0, 1, 2}, 1);
  Box box{x1.min_or(0), y1.min_or(0), x2.max_or(width), y2.max_or(height), 50, 20, 50, 10};
  if (cloth) {
    box.x1 = std::min(box.x1, cloth->x1);
    box.x2 = std::max(box.x2, cloth->x2);
    box.y1 = std::min(box.y1, cloth->y1);
    box.y2 = std::max(box.y2, cloth->y2);
  }
  reach_face(p, box.y1, box.pad_y1);
  return box;
}

void check_offset(int value, const char* name) {
  if (value < -kMaxOffset || value > kMaxOffset) {
    throw InputError(std::string("FitDiT offset ") + name + " must be within -200..200 (got " + std::to_string(value) +
                     ")");
  }
}

}  // namespace

ProfileMask mask_location(const cv::Mat& parse_full, const WholeBodyPoints& points, Category category,
                          const Offsets& offsets) {
  check_offset(offsets.top, "top");
  check_offset(offsets.bottom, "bottom");
  check_offset(offsets.left, "left");
  check_offset(offsets.right, "right");
  for (const cv::Point2f& point : points) {
    if (!std::isfinite(point.x) || !std::isfinite(point.y) || point.x < 0 || point.y < 0) {
      throw InputError("FitDiT keypoints must be finite and not negative");
    }
  }
  const cv::Mat parse = normalize_label_map(parse_full);
  Box box{};
  switch (category) {
    case Category::kUpperBody:
      box = upper_box(parse, points);
      break;
    case Category::kLowerBody:
      box = lower_box(parse, points);
      break;
    case Category::kDresses:
      box = dresses_box(parse, points);
      break;
  }
  const float width = static_cast<float>(parse.cols);
  const float height = static_cast<float>(parse.rows);
  cv::Mat gray = cv::Mat::zeros(parse.size(), CV_8UC1);
  fill_rectangle(gray, std::max(0.0F, box.x1 - static_cast<float>(box.pad_x1) + static_cast<float>(offsets.left)),
                 std::max(0.0F, box.y1 - static_cast<float>(box.pad_y1) + static_cast<float>(offsets.top)),
                 std::min(box.x2 + static_cast<float>(box.pad_x2) + static_cast<float>(offsets.right), width),
                 std::min(box.y2 + static_cast<float>(box.pad_y2) + static_cast<float>(offsets.bottom), height), 128);
  LabelSet cut{kSunglasses, kHat, kFace};
  if (category != Category::kUpperBody) cut.add(LabelSet{kBag});
  if (category == Category::kDresses) cut.add(LabelSet{kLeftShoe, kRightShoe});
  gray.setTo(0, cut.select(parse));
  ProfileMask out;
  out.mask = gray / 128 * 255;
  out.gray = gray;
  return out;
}

WholeBodyPoints pose_data(const dwpose::OpenPosePerson& person, cv::Size image_size) {
  const auto width = static_cast<float>(image_size.width);
  const auto height = static_cast<float>(image_size.height);
  WholeBodyPoints points{};
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (person.scores[i] < dwpose::kVisibleScore) continue;  // subset < 0.3: not visible
    const float x = static_cast<float>(person.points[i].x) / width;
    const float y = static_cast<float>(person.points[i].y) / height;
    // A network's NaN or infinity would fail the mask (InputError): no point, as choose_person has it.
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    points[i] = {std::max(x, 0.0F) * width, std::max(y, 0.0F) * height};
  }
  return points;
}

}  // namespace mc::core::fitdit

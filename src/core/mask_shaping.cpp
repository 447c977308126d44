#include "core/mask_options.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

#include <opencv2/imgproc.hpp>

#include "core/labels.hpp"

// The image operations of the per-request mask options (docs/algorithm.md
// section 8); the options object itself is read in mask_options.cpp.
namespace mc::core {

namespace {

// Beyond the diagonal of any mask we shape (768 x 1024: 1280 pixels).
constexpr double kMaxRadius = 2048.0;

bool missing(cv::Point2f point) { return point.x <= 1.0F && point.y <= 1.0F; }

// Distance of each non-zero pixel of `source` to its nearest zero pixel
// (exact Euclidean); `source` must hold a zero pixel.
cv::Mat distances(const cv::Mat& source) {
  cv::Mat distance;
  cv::distanceTransform(source, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE, CV_32F);
  return distance;
}

cv::Rect mask_box(const cv::Mat& mask, int margin) {
  const cv::Rect box = cv::boundingRect(mask);
  if (box.empty()) return box;
  return cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
         cv::Rect(0, 0, mask.cols, mask.rows);
}

}  // namespace

PersonHeight person_height(const cv::Mat& parse_full, const Keypoints& keypoints) {
  const cv::Point2f top = !missing(keypoints[kNose]) ? keypoints[kNose] : keypoints[kNeckPoint];
  std::optional<float> bottom;
  for (const KeypointId ankle : {kRightAnkle, kLeftAnkle}) {
    if (!missing(keypoints[ankle])) bottom = std::max(bottom.value_or(keypoints[ankle].y), keypoints[ankle].y);
  }
  if (!missing(top) && bottom && *bottom > top.y)
    return {2.0 * (static_cast<double>(*bottom) - static_cast<double>(top.y)), true};
  return {static_cast<double>(cv::boundingRect(parse_full).height), false};
}

int dilation_radius(const MaskOptions& options, const PersonHeight& height) {
  if (options.dilate_px) return *options.dilate_px;
  if (options.dilate_percent) {
    // Bounded before rounding: keypoints from a file may lie anywhere in
    // float's range, and no radius beyond the image's diagonal changes a mask.
    const double radius = *options.dilate_percent * height.pixels / 100.0;
    return static_cast<int>(std::lround(std::clamp(radius, -kMaxRadius, kMaxRadius)));
  }
  return 0;
}

cv::Mat dilate_disc(const cv::Mat& mask, int radius) {
  cv::Mat result = mask.clone();
  if (radius == 0) return result;
  if (radius > 0) {
    // Every pixel of the grown box lies within the radius or not; those outside it are farther.
    const cv::Rect box = mask_box(mask, radius + 1);
    if (box.empty()) return result;
    cv::Mat background;
    cv::compare(mask(box), 0, background, cv::CMP_EQ);
    cv::Mat within;
    cv::compare(distances(background), static_cast<double>(radius), within, cv::CMP_LE);
    cv::Mat target = result(box);
    cv::bitwise_or(target, within, target);
    return result;
  }
  const cv::Rect box = mask_box(mask, 1);
  if (box.empty()) return result;
  cv::Mat inside;
  cv::compare(mask(box), 0, inside, cv::CMP_NE);
  if (cv::countNonZero(inside) == static_cast<int>(inside.total())) return result;  // no edge within the image
  cv::Mat near_edge;
  cv::compare(distances(inside), static_cast<double>(-radius), near_edge, cv::CMP_LE);
  result(box).setTo(0, near_edge);
  return result;
}

namespace {

// Moves the top (towards_start) or bottom side of every column's runs of a
// 0/255 mask by `amount`, in place, in one pass over the rows whatever the
// amount: a counter per column holds how far the nearest mask pixel lies
// (growing: scanned from the far end) or how long the run is so far
// (shrinking: scanned from the near end, outside the image counting as mask).
void move_columns(cv::Mat& mask, int amount, bool towards_start) {
  if (amount == 0) return;
  const int n = std::abs(amount);
  const bool grow = amount > 0;
  const bool from_first_row = towards_start != grow;
  std::vector<int> counter(static_cast<std::size_t>(mask.cols), grow ? n + 1 : n);
  for (int i = 0; i < mask.rows; ++i) {
    auto* row = mask.ptr<std::uint8_t>(from_first_row ? i : mask.rows - 1 - i);
    for (int x = 0; x < mask.cols; ++x) {
      int& c = counter[static_cast<std::size_t>(x)];
      const bool on = row[x] != 0;
      if (grow) {
        c = on ? 0 : std::min(c + 1, n + 1);  // rows to the nearest mask pixel at or beyond this one
        row[x] = c <= n ? 255 : 0;
      } else {
        c = on ? std::min(c + 1, n + 1) : 0;  // this run's pixels up to this one, capped
        row[x] = c > n ? 255 : 0;
      }
    }
  }
}

}  // namespace

cv::Mat offset_sides(const cv::Mat& mask, const SideOffsets& offsets) {
  cv::Mat result = mask.clone();
  move_columns(result, offsets.top, true);
  move_columns(result, offsets.bottom, false);
  if (offsets.left == 0 && offsets.right == 0) return result;
  // Left and right are top and bottom of the transposed mask.
  cv::Mat turned;
  cv::transpose(result, turned);
  move_columns(turned, offsets.left, true);
  move_columns(turned, offsets.right, false);
  cv::transpose(turned, result);
  return result;
}

namespace {
constexpr std::size_t kHullPoints = 3;  // fewer points make no area
}  // namespace

std::vector<HandRegion> hand_regions(const HandKeypoints& hands) {
  std::vector<HandRegion> regions;
  for (const auto& points : hands) {
    if (points.size() < kHullPoints) continue;
    std::vector<cv::Point2f> full;
    for (const auto& p : points) full.emplace_back(p.x * 2.0F, p.y * 2.0F);
    std::vector<cv::Point2f> hull;
    cv::convexHull(full, hull);
    float width = 0.0F;
    float height = 0.0F;
    for (const auto& a : hull) {
      for (const auto& b : hull) {
        width = std::max(width, std::abs(a.x - b.x));
        height = std::max(height, std::abs(a.y - b.y));
      }
    }
    HandRegion region;
    // Rounded to whole pixels, clamped: points from a model lie near the image, but not always in it.
    for (const auto& p : hull) {
      region.hull.emplace_back(static_cast<int>(std::lround(std::clamp(p.x, -1e6F, 1e6F))),
                               static_cast<int>(std::lround(std::clamp(p.y, -1e6F, 1e6F))));
    }
    region.margin = std::max(4, static_cast<int>(std::lround(0.25F * std::min(1e4F, std::max(width, height)))));
    regions.push_back(std::move(region));
  }
  return regions;
}

std::vector<HandDisc> hand_discs(const Keypoints& keypoints, const HandKeypoints& hands) {
  std::vector<HandDisc> discs;
  // Right (OpenPose 3, 4) is hands[1], left (6, 7) hands[0].
  for (const auto& [elbow_id, wrist_id, side] :
       {std::tuple{kRightElbow, kRightWrist, 1}, std::tuple{kLeftElbow, kLeftWrist, 0}}) {
    if (hands[static_cast<std::size_t>(side)].size() >= kHullPoints) continue;
    const cv::Point2f elbow = keypoints[elbow_id];
    const cv::Point2f wrist = keypoints[wrist_id];
    if (missing(elbow) || missing(wrist)) continue;
    const cv::Point2d elbow_d(elbow.x, elbow.y);
    const cv::Point2d wrist_d(wrist.x, wrist.y);
    const cv::Point2d forearm = wrist_d - elbow_d;
    const cv::Point2d centre = wrist_d + 0.5 * forearm;
    discs.push_back({centre * 2.0, 2.0 * 0.7 * std::hypot(forearm.x, forearm.y)});
  }
  return discs;
}

cv::Mat protection_mask(const cv::Mat& parse_full, const std::vector<ProtectedPart>& parts,
                        const std::vector<HandDisc>& discs, const std::vector<HandRegion>& regions) {
  LabelSet labels;
  bool hands = false;
  for (const ProtectedPart part : parts) {
    switch (part) {
      case ProtectedPart::kHands:
        hands = true;
        break;
      case ProtectedPart::kFace:
        labels.add(kFace);
        labels.add(kSunglasses);
        break;
      case ProtectedPart::kHair:
        labels.add(kHair);
        break;
      case ProtectedPart::kHat:
        labels.add(kHat);
        break;
      case ProtectedPart::kBag:
        labels.add(kBag);
        break;
      case ProtectedPart::kShoes:
        labels.add(kLeftShoe);
        labels.add(kRightShoe);
        break;
      case ProtectedPart::kNeck:
        labels.add(kNeck);
        break;
    }
  }
  cv::Mat covered = labels.select(parse_full);
  if (!hands) return covered;
  for (const HandRegion& region : regions) {
    cv::fillConvexPoly(covered, region.hull, cv::Scalar(255));
    const std::vector<std::vector<cv::Point>> outline{region.hull};
    cv::polylines(covered, outline, true, cv::Scalar(255), 2 * region.margin + 1, cv::LINE_8);
  }
  for (const HandDisc& disc : discs) {
    const double r2 = disc.radius * disc.radius;
    // Clamped in double: a disc from a keypoints file may lie far outside int's range.
    const auto bound = [](double value, int size) {
      return static_cast<int>(std::clamp(value, -1.0, static_cast<double>(size)));
    };
    const int x0 = std::max(0, bound(std::floor(disc.centre.x - disc.radius), covered.cols));
    const int x1 = std::min(covered.cols - 1, bound(std::ceil(disc.centre.x + disc.radius), covered.cols));
    const int y0 = std::max(0, bound(std::floor(disc.centre.y - disc.radius), covered.rows));
    const int y1 = std::min(covered.rows - 1, bound(std::ceil(disc.centre.y + disc.radius), covered.rows));
    for (int y = y0; y <= y1; ++y) {
      auto* row = covered.ptr<std::uint8_t>(y);
      const double dy = y - disc.centre.y;
      for (int x = x0; x <= x1; ++x) {
        const double dx = x - disc.centre.x;
        if (dx * dx + dy * dy <= r2) row[x] = 255;
      }
    }
  }
  return covered;
}

cv::Mat feather_mask(const cv::Mat& mask, int width) {
  cv::Mat soft = cv::Mat::zeros(mask.size(), CV_8UC1);
  // Pixels farther than width / 2 + 1 outside the mask's box stay 0.
  const cv::Rect box = mask_box(mask, width / 2 + 2);
  if (box.empty()) return soft;
  const cv::Mat region = mask(box);
  cv::Mat inside;
  cv::compare(region, 0, inside, cv::CMP_NE);
  const int inside_count = cv::countNonZero(inside);
  if (inside_count == static_cast<int>(inside.total())) {
    // No edge in the box: then the box is the whole image, all of it mask.
    soft(box).setTo(255);
    return soft;
  }
  cv::Mat outside;
  cv::bitwise_not(inside, outside);
  const cv::Mat inner = distances(inside);   // mask pixels: to the nearest non-mask pixel
  const cv::Mat outer = distances(outside);  // the rest: to the nearest mask pixel
  const double w = width;
  for (int y = 0; y < region.rows; ++y) {
    const auto* in = inside.ptr<std::uint8_t>(y);
    const auto* d_in = inner.ptr<float>(y);
    const auto* d_out = outer.ptr<float>(y);
    auto* out = soft.ptr<std::uint8_t>(box.y + y) + box.x;
    for (int x = 0; x < region.cols; ++x) {
      const double s = in[x] != 0 ? static_cast<double>(d_in[x]) - 0.5 : 0.5 - static_cast<double>(d_out[x]);
      out[x] = cv::saturate_cast<std::uint8_t>(255.0 * (0.5 + s / w));
    }
  }
  return soft;
}

cv::Mat agnostic_image(const cv::Mat& photo_bgr, const cv::Mat& mask) {
  cv::Mat image = photo_bgr.clone();
  image.setTo(cv::Scalar(128, 128, 128), mask);
  return image;
}

cv::Mat cutout_image(const cv::Mat& photo_bgr, const cv::Mat& alpha) {
  cv::Mat image(photo_bgr.size(), CV_8UC4);
  const std::array<cv::Mat, 2> sources = {photo_bgr, alpha};
  const std::array<int, 8> from_to = {0, 0, 1, 1, 2, 2, 3, 3};
  cv::mixChannels(sources.data(), sources.size(), &image, 1, from_to.data(), 4);
  return image;
}

MaskShaper::MaskShaper(const MaskOptions& options, const cv::Mat& parse_full, const Keypoints& keypoints,
                       const HandKeypoints& hands)
    : options_(options) {
  if (options.dilate_percent) {
    const PersonHeight height = person_height(parse_full, keypoints);
    if (!height.from_keypoints) {
      warnings_.push_back("person height from the parse map: the nose and neck, or both ankles, are not visible");
    }
    radius_ = dilation_radius(options, height);
  } else {
    radius_ = dilation_radius(options, {});
  }
  if (!options.protect.empty()) {
    const std::vector<HandDisc> discs = hand_discs(keypoints, hands);
    const std::vector<HandRegion> regions = hand_regions(hands);
    if (options.protects(ProtectedPart::kHands) && discs.empty() && regions.empty()) {
      warnings_.push_back("hands not visible: protect hands had no effect");
    }
    protected_ = protection_mask(parse_full, options.protect, discs, regions);
  }
}

ShapedMask MaskShaper::shape(const cv::Mat& mask) const {
  ShapedMask shaped{mask, {}};
  if (radius_ != 0) shaped.mask = dilate_disc(shaped.mask, radius_);
  if (options_.offsets.any()) shaped.mask = offset_sides(shaped.mask, options_.offsets);
  if (!protected_.empty()) {
    if (shaped.mask.data == mask.data) shaped.mask = mask.clone();  // masks may share buffers: never draw on one
    shaped.mask.setTo(0, protected_);
  }
  if (options_.feather_px) shaped.soft = feather_mask(shaped.mask, *options_.feather_px);
  return shaped;
}

}  // namespace mc::core

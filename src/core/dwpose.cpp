#include "core/dwpose.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/labels.hpp"

namespace mc::core::dwpose {

namespace {

constexpr int kStrides[] = {8, 16, 32};
constexpr double kBoxScore = 0.3;  // onnxdet.py: NMS at > 0.1, then boxes scoring > 0.3 kept
constexpr float kNmsIou = 0.45F;   // compared in float32, as numpy compares a float32 array
constexpr double kBoxPadding = 1.25;
constexpr double kAspect = static_cast<double>(kPoseWidth) / kPoseHeight;
constexpr std::array<double, 3> kMean = {123.675, 116.28, 103.53};  // applied to the channels as given
constexpr std::array<double, 3> kStd = {58.395, 57.12, 57.375};

// wholebody.py: OpenPose index <- index after the neck was inserted at 17.
constexpr std::array<int, 15> kFromMmpose = {17, 6, 8, 10, 7, 9, 12, 14, 16, 13, 15, 2, 1, 4, 3};
constexpr std::array<int, 15> kToOpenpose = {1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17};
constexpr int kLeftHandFirst = 92;  // in the 134 points
constexpr int kRightHandFirst = 113;

cv::Mat planar_blob(const cv::Mat& image, int rows, int cols, bool normalise) {
  const std::array<int, 4> shape{1, 3, rows, cols};
  cv::Mat blob(4, shape.data(), CV_32F);
  for (std::size_t c = 0; c < 3; ++c) {
    float* plane = blob.ptr<float>(0, static_cast<int>(c));
    for (int y = 0; y < rows; ++y) {
      const auto* row = image.ptr<cv::Vec3b>(y);
      for (int x = 0; x < cols; ++x) {
        const double value = row[x][static_cast<int>(c)];
        // numpy: (uint8 - float64 mean) / float64 std, cast to float32 for the session.
        plane[y * cols + x] = static_cast<float>(normalise ? (value - kMean[c]) / kStd[c] : value);
      }
    }
  }
  return blob;
}

void check_image(const cv::Mat& image) {
  if (image.empty() || image.type() != CV_8UC3) throw std::invalid_argument("DWPose needs an 8-bit 3-channel image");
}

// onnxdet.py's nms(): boxes in float32, areas with the +1 pixel convention.
std::vector<Box> non_maximum_suppression(std::vector<Box> boxes) {
  // numpy's argsort()[::-1]: descending; equal scores (never seen with real images) keep no fixed order there.
  std::stable_sort(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) { return a.score > b.score; });
  std::vector<Box> kept;
  std::vector<bool> dropped(boxes.size(), false);
  const auto area = [](const Box& b) { return (b.x2 - b.x1 + 1.0F) * (b.y2 - b.y1 + 1.0F); };
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    if (dropped[i]) continue;
    const Box& top = boxes[i];
    kept.push_back(top);
    for (std::size_t j = i + 1; j < boxes.size(); ++j) {
      if (dropped[j]) continue;
      const Box& other = boxes[j];
      const float w = std::max(0.0F, std::min(top.x2, other.x2) - std::max(top.x1, other.x1) + 1.0F);
      const float h = std::max(0.0F, std::min(top.y2, other.y2) - std::max(top.y1, other.y1) + 1.0F);
      const float inter = w * h;
      const float overlap = inter / (area(top) + area(other) - inter);
      if (!(overlap <= kNmsIou)) dropped[j] = true;
    }
  }
  return kept;
}

}  // namespace

Letterbox detector_input(const cv::Mat& image) {
  check_image(image);
  Letterbox letterbox;
  letterbox.ratio =
      std::min(static_cast<double>(kDetectorSize) / image.rows, static_cast<double>(kDetectorSize) / image.cols);
  // Python's int(): truncation.
  const cv::Size scaled(static_cast<int>(image.cols * letterbox.ratio), static_cast<int>(image.rows * letterbox.ratio));
  cv::Mat padded(kDetectorSize, kDetectorSize, CV_8UC3, cv::Scalar::all(114));
  cv::Mat resized;
  cv::resize(image, resized, scaled, 0, 0, cv::INTER_LINEAR);
  resized.copyTo(padded(cv::Rect(cv::Point(0, 0), scaled)));
  letterbox.blob = planar_blob(padded, kDetectorSize, kDetectorSize, false);
  return letterbox;
}

std::vector<Box> person_boxes(const cv::Mat& output, double ratio) {
  int anchors = 0;
  for (const int stride : kStrides) anchors += (kDetectorSize / stride) * (kDetectorSize / stride);
  if (output.type() != CV_32F || output.dims != 3 || output.size[0] != 1 || output.size[1] != anchors ||
      output.size[2] < 6) {
    throw std::runtime_error("the DWPose detector's output is not [1, " + std::to_string(anchors) +
                             ", 5 + classes] float");
  }
  const int width = output.size[2];
  const auto* row = output.ptr<float>();
  const auto ratio32 = static_cast<float>(ratio);  // numpy divides a float32 array by it in float32
  std::vector<Box> candidates;
  for (const int stride : kStrides) {
    const int cells = kDetectorSize / stride;
    for (int gy = 0; gy < cells; ++gy) {
      for (int gx = 0; gx < cells; ++gx, row += width) {
        const float score = row[4] * row[5];
        // onnxdet.py keeps > 0.1 for NMS, then > 0.3 (in float64); a box at or below 0.3 never
        // suppresses one above it (NMS takes them in score order), so filtering first is the same.
        if (!(static_cast<double>(score) > kBoxScore)) continue;
        // (float32 + int64 grid) * int64 stride is computed in float64 and stored back in float32.
        const auto cx = static_cast<float>((static_cast<double>(row[0]) + gx) * stride);
        const auto cy = static_cast<float>((static_cast<double>(row[1]) + gy) * stride);
        const auto w = static_cast<float>(static_cast<double>(std::exp(row[2])) * stride);
        const auto h = static_cast<float>(static_cast<double>(std::exp(row[3])) * stride);
        candidates.push_back({(cx - w / 2.0F) / ratio32, (cy - h / 2.0F) / ratio32, (cx + w / 2.0F) / ratio32,
                              (cy + h / 2.0F) / ratio32, score});
      }
    }
  }
  return non_maximum_suppression(std::move(candidates));
}

Crop pose_input(const cv::Mat& image, const Box* box) {
  check_image(image);
  // onnxpose.py: no box, the whole image.
  const double x1 = box != nullptr ? static_cast<double>(box->x1) : 0.0;
  const double y1 = box != nullptr ? static_cast<double>(box->y1) : 0.0;
  const double x2 = box != nullptr ? static_cast<double>(box->x2) : static_cast<double>(image.cols);
  const double y2 = box != nullptr ? static_cast<double>(box->y2) : static_cast<double>(image.rows);
  Crop crop;
  crop.center = {(x1 + x2) * 0.5, (y1 + y2) * 0.5};
  const double w = (x2 - x1) * kBoxPadding;
  const double h = (y2 - y1) * kBoxPadding;
  crop.scale = w > h * kAspect ? cv::Point2d(w, w / kAspect) : cv::Point2d(h * kAspect, h);
  // get_warp_matrix(): three float32 points each side; the third is the second turned about the first.
  const cv::Point2f a(static_cast<float>(crop.center.x), static_cast<float>(crop.center.y));
  const cv::Point2f b(static_cast<float>(crop.center.x), static_cast<float>(crop.center.y + crop.scale.x * -0.5));
  const cv::Point2f d = a - b;
  const std::array<cv::Point2f, 3> source{a, b, cv::Point2f(b.x - d.y, b.y + d.x)};
  const cv::Point2f da(kPoseWidth * 0.5F, kPoseHeight * 0.5F);
  const cv::Point2f db(da.x, da.y - kPoseWidth * 0.5F);
  const cv::Point2f dd = da - db;
  const std::array<cv::Point2f, 3> target{da, db, cv::Point2f(db.x - dd.y, db.y + dd.x)};
  const cv::Mat warp = cv::getAffineTransform(source.data(), target.data());
  cv::Mat cropped;
  cv::warpAffine(image, cropped, warp, cv::Size(kPoseWidth, kPoseHeight), cv::INTER_LINEAR);
  crop.blob = planar_blob(cropped, kPoseHeight, kPoseWidth, true);
  return crop;
}

WholeBody decode_simcc(const cv::Mat& simcc_x, const cv::Mat& simcc_y, const Crop& crop, double split_ratio) {
  const auto shaped = [](const cv::Mat& m, int bins) {
    return m.type() == CV_32F && m.dims == 3 && m.size[0] == 1 && m.size[1] == kWholeBodyCount && m.size[2] == bins;
  };
  const int x_bins = static_cast<int>(kPoseWidth * kSimccSplitRatio);
  const int y_bins = static_cast<int>(kPoseHeight * kSimccSplitRatio);
  if (!shaped(simcc_x, x_bins) || !shaped(simcc_y, y_bins)) {
    throw std::runtime_error("the DWPose pose network's outputs are not simcc_x [1, 133, " + std::to_string(x_bins) +
                             "] and simcc_y [1, 133, " + std::to_string(y_bins) + "] float");
  }
  WholeBody body;
  const auto split32 = static_cast<float>(split_ratio);
  for (int k = 0; k < kWholeBodyCount; ++k) {
    const float* xs = simcc_x.ptr<float>(0, k);
    const float* ys = simcc_y.ptr<float>(0, k);
    const auto x_best = std::max_element(xs, xs + x_bins);  // the first maximum, as numpy's argmax
    const auto y_best = std::max_element(ys, ys + y_bins);
    const float score = std::min(*x_best, *y_best);
    float lx = static_cast<float>(x_best - xs);
    float ly = static_cast<float>(y_best - ys);
    if (score <= 0.0F) lx = ly = -1.0F;  // get_simcc_maximum(): no response, location -1
    lx /= split32;
    ly /= split32;
    // keypoints / input_size * scale + center - scale / 2, in float64 as numpy promotes.
    body.points[static_cast<std::size_t>(k)] = {
        static_cast<double>(lx) / kPoseWidth * crop.scale.x + crop.center.x - crop.scale.x / 2.0,
        static_cast<double>(ly) / kPoseHeight * crop.scale.y + crop.center.y - crop.scale.y / 2.0};
    body.scores[static_cast<std::size_t>(k)] = score;
  }
  return body;
}

OpenPosePerson to_openpose(const WholeBody& person) {
  // np.insert(keypoints, 17, neck): the 133 points with the neck at 17.
  std::array<cv::Point2d, kOpenPoseCount> points{};
  std::array<double, kOpenPoseCount> scores{};
  for (int i = 0, j = 0; i < kOpenPoseCount; ++i) {
    if (i == 17) {
      points[17] = (person.points[5] + person.points[6]) / 2.0;
      scores[17] = person.scores[5] > kVisibleScore && person.scores[6] > kVisibleScore ? 1.0 : 0.0;
      continue;
    }
    points[static_cast<std::size_t>(i)] = person.points[static_cast<std::size_t>(j)];
    scores[static_cast<std::size_t>(i)] = person.scores[static_cast<std::size_t>(j)];
    ++j;
  }
  OpenPosePerson result{points, scores};
  for (std::size_t i = 0; i < kFromMmpose.size(); ++i) {
    const auto to = static_cast<std::size_t>(kToOpenpose[i]);
    const auto from = static_cast<std::size_t>(kFromMmpose[i]);
    result.points[to] = points[from];
    result.scores[to] = scores[from];
  }
  return result;
}

DwposeResult choose_person(const std::vector<OpenPosePerson>& people, int boxes_found, cv::Size image_size) {
  // Above the score and inside the image; NaN and infinite points never are.
  const auto shown = [&](const OpenPosePerson& p, std::size_t i) {
    const cv::Point2d& point = p.points[i];
    return p.scores[i] > kVisibleScore && point.x >= 0.0 && point.y >= 0.0 && point.x < image_size.width &&
           point.y < image_size.height;
  };
  const auto visible = [&](const OpenPosePerson& p) {
    int count = 0;
    double total = 0.0;
    for (std::size_t i = 0; i < kKeypointCount; ++i) {
      if (shown(p, i)) {
        ++count;
        total += p.scores[i];
      }
    }
    return std::pair{count, total};
  };
  const OpenPosePerson* best = nullptr;
  std::pair<int, double> best_visible{0, 0.0};
  for (const auto& person : people) {
    const auto seen = visible(person);
    if (best == nullptr || seen > best_visible) {  // strictly better: ties keep the earlier
      best = &person;
      best_visible = seen;
    }
  }
  if (best == nullptr || best_visible.first == 0) throw InputError("no person detected");
  const double sx = static_cast<double>(kWorkWidth) / image_size.width;
  const double sy = static_cast<double>(kWorkHeight) / image_size.height;
  const auto work = [&](const cv::Point2d& p) {
    return cv::Point2f(static_cast<float>(p.x * sx), static_cast<float>(p.y * sy));
  };
  DwposeResult result;
  result.person = *best;
  for (std::size_t i = 0; i < kKeypointCount; ++i) {
    if (!shown(*best, i)) continue;
    result.pose.keypoints[i] = work(best->points[i]);
    result.pose.scores[i] = static_cast<float>(best->scores[i]);
  }
  for (int hand = 0; hand < 2; ++hand) {
    const int first = hand == 0 ? kLeftHandFirst : kRightHandFirst;
    for (int i = first; i < first + kHandCount; ++i) {
      const auto index = static_cast<std::size_t>(i);
      if (shown(*best, index)) result.hands[static_cast<std::size_t>(hand)].push_back(work(best->points[index]));
    }
  }
  result.pose.people_found = boxes_found;
  if (boxes_found == 0) {
    result.pose.warnings.push_back("the person detector found nobody; the pose was estimated on the whole image");
  } else if (boxes_found > 1) {
    result.pose.warnings.push_back(std::to_string(boxes_found) +
                                   " people detected; using the one with the most body parts (" +
                                   std::to_string(best_visible.first) + " of 18" +
                                   (static_cast<std::size_t>(boxes_found) > kMaxPeopleEstimated
                                        ? ", among the " + std::to_string(kMaxPeopleEstimated) + " most likely"
                                        : std::string()) +
                                   ")");
  }
  return result;
}

}  // namespace mc::core::dwpose

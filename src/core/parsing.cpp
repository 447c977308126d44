#include "core/parsing.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/labels.hpp"

namespace mc::core {

namespace {

// SCHP's get_3rd_point: rotate the vector b -> a by 90 degrees about b.
cv::Point2f third_point(cv::Point2f a, cv::Point2f b) {
  const cv::Point2f direction = a - b;
  return b + cv::Point2f(-direction.y, direction.x);
}

// The transform of docs/algorithm.md section 2 step 2 in one direction or the other.
cv::Mat schp_affine(cv::Size image, int input_size, bool inverse) {
  const float box_w = static_cast<float>(image.width - 1);
  const float box_h = static_cast<float>(image.height - 1);
  const float box = std::max(box_w, box_h);  // aspect 1: the larger side wins
  const cv::Point2f centre(box_w / 2.0f, box_h / 2.0f);
  const float half_out = static_cast<float>(input_size - 1) / 2.0f;
  const cv::Point2f out_centre(half_out, half_out);

  std::array<cv::Point2f, 3> source{centre, centre + cv::Point2f(0.0f, -box / 2.0f), {}};
  std::array<cv::Point2f, 3> target{out_centre, out_centre + cv::Point2f(0.0f, -half_out), {}};
  source[2] = third_point(source[0], source[1]);
  target[2] = third_point(target[0], target[1]);
  return inverse ? cv::getAffineTransform(target.data(), source.data())
                 : cv::getAffineTransform(source.data(), target.data());
}

struct LinearTap {
  int low;
  int high;
  float weight;  // of `high`
};

// PyTorch's bilinear interpolation with align_corners=True, computed in float as it does.
std::vector<LinearTap> align_corners_taps(int in, int out) {
  std::vector<LinearTap> taps(static_cast<std::size_t>(out));
  const float scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  for (int i = 0; i < out; ++i) {
    const float source = scale * static_cast<float>(i);
    const int low = std::min(static_cast<int>(source), in - 1);
    const int high = std::min(low + 1, in - 1);
    taps[static_cast<std::size_t>(i)] = {low, high, source - static_cast<float>(low)};
  }
  return taps;
}

cv::Mat resize_align_corners(const cv::Mat& source, int size, const std::vector<LinearTap>& column_taps,
                             const std::vector<LinearTap>& row_taps) {
  cv::Mat horizontal(source.rows, size, CV_32F);
  for (int y = 0; y < source.rows; ++y) {
    const float* in = source.ptr<float>(y);
    float* out = horizontal.ptr<float>(y);
    for (int x = 0; x < size; ++x) {
      const LinearTap& tap = column_taps[static_cast<std::size_t>(x)];
      out[x] = in[tap.low] + (in[tap.high] - in[tap.low]) * tap.weight;
    }
  }
  cv::Mat result(size, size, CV_32F);
  for (int y = 0; y < size; ++y) {
    const LinearTap& tap = row_taps[static_cast<std::size_t>(y)];
    const float* low = horizontal.ptr<float>(tap.low);
    const float* high = horizontal.ptr<float>(tap.high);
    float* out = result.ptr<float>(y);
    for (int x = 0; x < size; ++x) out[x] = low[x] + (high[x] - low[x]) * tap.weight;
  }
  return result;
}

}  // namespace

cv::Mat parsing_affine(cv::Size image, int input_size) { return schp_affine(image, input_size, false); }

cv::Mat parsing_input_blob(const cv::Mat& bgr, int input_size, const ParsingNormalization& normalization) {
  CV_Assert(bgr.type() == CV_8UC3);
  // The reference warps the 8-bit image and normalises afterwards.
  cv::Mat warped;
  cv::warpAffine(bgr, warped, parsing_affine(bgr.size(), input_size), cv::Size(input_size, input_size),
                 cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  const std::array<int, 4> shape{1, 3, input_size, input_size};
  cv::Mat blob(4, shape.data(), CV_32F);
  std::array<cv::Mat, 3> planes;
  for (std::size_t c = 0; c < 3; ++c) {
    planes[c] = cv::Mat(input_size, input_size, CV_32F, blob.ptr<float>(0, static_cast<int>(c)));
  }
  cv::Mat channels[3];
  cv::split(warped, channels);
  for (std::size_t c = 0; c < 3; ++c) {
    const double alpha = 1.0 / (255.0 * normalization.std[c]);
    const double beta = -normalization.mean[c] / normalization.std[c];
    channels[c].convertTo(planes[c], CV_32F, alpha, beta);
  }
  return blob;
}

cv::Mat parsing_labels(const cv::Mat& fusion_logits, int input_size, cv::Size image) {
  CV_Assert(fusion_logits.dims == 4 && fusion_logits.size[0] >= 1 && fusion_logits.type() == CV_32F);
  const int classes = fusion_logits.size[1];
  const int rows = fusion_logits.size[2];
  const int cols = fusion_logits.size[3];
  const auto column_taps = align_corners_taps(cols, input_size);
  const auto row_taps = align_corners_taps(rows, input_size);
  const cv::Mat back = schp_affine(image, input_size, true);

  std::vector<cv::Mat> per_class(static_cast<std::size_t>(classes));
  cv::parallel_for_(cv::Range(0, classes), [&](const cv::Range& range) {
    for (int c = range.start; c < range.end; ++c) {
      // The blob is contiguous; batch 0, channel c is one rows x cols plane.
      const cv::Mat plane(rows, cols, CV_32F, const_cast<float*>(fusion_logits.ptr<float>(0, c)));
      const cv::Mat upsampled = resize_align_corners(plane, input_size, column_taps, row_taps);
      cv::warpAffine(upsampled, per_class[static_cast<std::size_t>(c)], back, image, cv::INTER_LINEAR,
                     cv::BORDER_CONSTANT, cv::Scalar::all(0));
    }
  });

  cv::Mat labels(image, CV_8UC1, cv::Scalar(0));
  cv::Mat best = per_class[0].clone();
  for (int c = 1; c < classes; ++c) {
    const cv::Mat& score = per_class[static_cast<std::size_t>(c)];
    for (int y = 0; y < image.height; ++y) {
      const float* s = score.ptr<float>(y);
      float* b = best.ptr<float>(y);
      std::uint8_t* l = labels.ptr<std::uint8_t>(y);
      for (int x = 0; x < image.width; ++x) {
        if (s[x] > b[x]) {  // strictly greater: the first maximum wins
          b[x] = s[x];
          l[x] = static_cast<std::uint8_t>(c);
        }
      }
    }
  }
  return labels;
}

cv::Mat refine_atr_labels(const cv::Mat& atr_labels) {
  CV_Assert(atr_labels.type() == CV_8UC1);
  cv::Mat padded;
  cv::copyMakeBorder(atr_labels, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));

  const cv::Mat region = LabelSet{kUpperClothes, kLeftArm, kRightArm}.select(padded);
  // Fill the region's holes: whatever the background flood fill does not reach.
  cv::Mat reached = region.clone();
  cv::floodFill(reached, cv::Point(0, 0), cv::Scalar(128));
  cv::Mat filled = reached != 128;

  const cv::Mat candidate_holes = filled & ~region;
  std::vector<std::vector<cv::Point>> contours;
  std::vector<cv::Vec4i> hierarchy;
  cv::findContours(candidate_holes, contours, hierarchy, cv::RETR_CCOMP, cv::CHAIN_APPROX_TC89_L1);
  cv::Mat big_holes = cv::Mat::zeros(padded.size(), CV_8UC1);
  for (std::size_t i = 0; i < contours.size(); ++i) {
    if (std::abs(cv::contourArea(contours[i])) > 2000.0) {
      cv::drawContours(big_holes, contours, static_cast<int>(i), cv::Scalar(255), cv::FILLED);
    }
  }

  // Reference quirk: it adds the 0/255 big-hole image and the 0/1 arm image in
  // uint8, so a pixel that is both wraps to 0 and loses its label. "Keep the
  // label" is therefore "in a big hole XOR an arm pixel".
  const cv::Mat arms = LabelSet{kLeftArm, kRightArm}.select(padded);
  const cv::Mat keep = big_holes ^ arms;
  cv::Mat refined = padded.clone();
  refined.setTo(cv::Scalar(kUpperClothes), filled & ~keep);
  return refined(cv::Rect(1, 1, atr_labels.cols, atr_labels.rows)).clone();
}

cv::Mat merge_neck(const cv::Mat& refined_atr, const cv::Mat& lip_labels) {
  CV_Assert(refined_atr.type() == CV_8UC1 && lip_labels.type() == CV_8UC1 && refined_atr.size() == lip_labels.size());
  constexpr int kLipFace = 13;
  cv::Mat merged = refined_atr.clone();
  merged.setTo(cv::Scalar(kNeck), (refined_atr == kFace) & (lip_labels != kLipFace));
  return merged;
}

}  // namespace mc::core

// Stored analyses (the analysis cache's S3 objects, which anyone who can
// write the bucket may have written): service::decode_analysis. It never
// throws; an accepted analysis is a 768 x 1024 8-bit map of labels 0..18 with
// finite keypoints and scores, and stores and reads back as the same.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "service/processing/stored_analysis.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);
  return 0;
}

namespace {
void check(const mc::inference::HumanAnalysis& analysis) {
  double max_label = 0;
  cv::minMaxLoc(analysis.parse, nullptr, &max_label);
  if (analysis.parse.cols != 768 || analysis.parse.rows != 1024 || analysis.parse.type() != CV_8UC1 || max_label > 18 ||
      analysis.people_found < 0) {
    std::abort();
  }
  for (const auto& point : analysis.keypoints) {
    if (!std::isfinite(point.x) || !std::isfinite(point.y)) std::abort();
  }
  for (const float score : analysis.keypoint_scores) {
    if (!std::isfinite(score)) std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The seeds in fuzz/corpus/analysis are made for the key "k".
  std::string problem;
  const auto analysis =
      mc::service::decode_analysis(std::string_view(reinterpret_cast<const char*>(data), size), "k", problem);
  if (!analysis) {
    if (problem.empty()) std::abort();
    return 0;
  }
  check(*analysis);
  const auto again = mc::service::decode_analysis(mc::service::encode_analysis(*analysis, "k"), "k", problem);
  if (!again || cv::countNonZero(again->parse != analysis->parse) != 0 || again->keypoints != analysis->keypoints ||
      again->keypoint_scores != analysis->keypoint_scores || again->people_found != analysis->people_found ||
      again->warnings != analysis->warnings) {
    std::abort();
  }
  return 0;
}

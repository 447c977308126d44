#include "support/figure.hpp"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

namespace mc::test_support {

cv::Mat paint_figure(const cv::Mat& parse, const std::filesystem::path& palette_json) {
  std::ifstream in(palette_json);
  if (!in) throw std::runtime_error(palette_json.string() + ": missing (build the test models)");
  const nlohmann::json palette = nlohmann::json::parse(in)["rgb_by_label"];
  cv::Mat photo(parse.size(), CV_8UC3);
  parse.forEach<std::uint8_t>([&](std::uint8_t label, const int* position) {
    const auto& rgb = palette.at(label);
    photo.at<cv::Vec3b>(position[0], position[1]) =
        cv::Vec3b(rgb[2].get<std::uint8_t>(), rgb[1].get<std::uint8_t>(), rgb[0].get<std::uint8_t>());
  });
  return photo;
}

double label_agreement(const cv::Mat& a, const cv::Mat& b) {
  return static_cast<double>(cv::countNonZero(a == b)) / static_cast<double>(a.total());
}

InteriorCheck interior_mismatches(const cv::Mat& expected, const cv::Mat& actual, int margin) {
  const cv::Mat kernel = cv::Mat::ones(2 * margin + 1, 2 * margin + 1, CV_8U);
  cv::Mat low;
  cv::Mat high;
  cv::erode(expected, low, kernel, cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
  cv::dilate(expected, high, kernel, cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
  const cv::Mat interior = low == high;
  return {cv::countNonZero(interior), cv::countNonZero(interior & (expected != actual))};
}

double mask_iou(const cv::Mat& a, const cv::Mat& b) {
  const int intersection = cv::countNonZero(a & b);
  const int united = cv::countNonZero(a | b);
  return united == 0 ? 1.0 : static_cast<double>(intersection) / united;
}

}  // namespace mc::test_support

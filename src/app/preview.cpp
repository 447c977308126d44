#include "app/preview.hpp"

#include <algorithm>
#include <array>
#include <string>

#include <opencv2/imgproc.hpp>

#include "core/labels.hpp"

namespace mc::app {

namespace {
constexpr int kColumns = 4;
constexpr int kTitleHeight = 36;

// 19 well-separated colours (BGR), one per label.
const std::array<cv::Vec3b, core::kMaxLabel + 1> kPalette = {{
    {0, 0, 0},     {0, 128, 255},   {40, 40, 120},   {80, 80, 80},  {255, 128, 0},   {0, 200, 200},   {200, 100, 0},
    {200, 0, 200}, {100, 100, 200}, {0, 255, 128},   {128, 255, 0}, {150, 200, 255}, {255, 200, 150}, {200, 255, 150},
    {0, 180, 255}, {255, 180, 0},   {220, 220, 220}, {255, 0, 128}, {120, 120, 255},
}};
}  // namespace

cv::Mat colorize_labels(const cv::Mat& labels) {
  cv::Mat colour(labels.size(), CV_8UC3);
  labels.forEach<std::uint8_t>([&](std::uint8_t label, const int* position) {
    colour.at<cv::Vec3b>(position[0], position[1]) = kPalette[std::min<std::size_t>(label, kPalette.size() - 1)];
  });
  return colour;
}

cv::Mat render_preview(const cv::Mat& background, const core::GeneratedMasks& masks,
                       const std::vector<std::pair<std::string, cv::Mat>>& extra_panels) {
  const cv::Size panel_size(background.cols / 2, background.rows / 2);
  const int mask_count = static_cast<int>(masks.masks.size());
  const int count = mask_count + static_cast<int>(extra_panels.size());
  const int columns = std::clamp(count, 1, kColumns);
  const int rows = std::max(1, (count + columns - 1) / columns);
  cv::Mat sheet(rows * (panel_size.height + kTitleHeight), columns * panel_size.width, CV_8UC3,
                cv::Scalar(255, 255, 255));
  cv::Mat small_background;
  cv::resize(background, small_background, panel_size, 0, 0, cv::INTER_AREA);
  for (int i = 0; i < count; ++i) {
    cv::Mat panel;
    std::string title;
    if (i < mask_count) {
      const auto& [type, mask] = masks.masks[static_cast<std::size_t>(i)];
      cv::Mat small_mask;
      cv::resize(mask, small_mask, panel_size, 0, 0, cv::INTER_NEAREST);
      cv::Mat tinted = small_background.clone();
      tinted.setTo(cv::Scalar(60, 60, 255), small_mask);  // masked pixels in red
      cv::addWeighted(small_background, 0.45, tinted, 0.55, 0.0, panel);
      title = core::mask_type_name(type);
    } else {
      const auto& [name, image] = extra_panels[static_cast<std::size_t>(i - mask_count)];
      cv::resize(image, panel, panel_size, 0, 0, cv::INTER_AREA);
      title = name;
    }
    const int x = (i % columns) * panel_size.width;
    const int y = (i / columns) * (panel_size.height + kTitleHeight);
    panel.copyTo(sheet(cv::Rect(x, y + kTitleHeight, panel_size.width, panel_size.height)));
    cv::putText(sheet, title, cv::Point(x + 8, y + 26), cv::FONT_HERSHEY_SIMPLEX, 0.8, cv::Scalar(0, 0, 0), 2,
                cv::LINE_AA);
  }
  return sheet;
}

}  // namespace mc::app

#include "core/pillow_resize.hpp"

#include <cstring>
#include <vector>

namespace mc::core::pillow {

namespace {

// libImaging's COORD: truncation, with everything left of 0 outside.
int coord(double v) { return v < 0.0 ? -1 : static_cast<int>(v); }

// The source index of every output index, as ImagingScaleAffine tabulates it
// (-1 where it falls outside the source).
std::vector<int> source_indices(int in, int out) {
  const double step = static_cast<double>(in) / out;
  std::vector<int> table(static_cast<std::size_t>(out));
  double position = step * 0.5;
  for (int i = 0; i < out; ++i) {
    const int source = coord(position);
    table[static_cast<std::size_t>(i)] = source < in ? source : -1;
    position += step;
  }
  return table;
}

}  // namespace

cv::Mat resize_nearest(const cv::Mat& src, cv::Size size) {
  CV_Assert(!src.empty() && src.dims == 2 && size.width > 0 && size.height > 0);
  if (src.size() == size) return src.clone();
  const std::vector<int> columns = source_indices(src.cols, size.width);
  const std::vector<int> rows = source_indices(src.rows, size.height);
  const std::size_t pixel = src.elemSize();
  cv::Mat out = cv::Mat::zeros(size, src.type());
  for (int y = 0; y < size.height; ++y) {
    const int source_row = rows[static_cast<std::size_t>(y)];
    if (source_row < 0) continue;
    const auto* in = src.ptr<std::uint8_t>(source_row);
    auto* target = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < size.width; ++x) {
      const int source_column = columns[static_cast<std::size_t>(x)];
      if (source_column < 0) continue;
      std::memcpy(target + static_cast<std::size_t>(x) * pixel, in + static_cast<std::size_t>(source_column) * pixel,
                  pixel);
    }
  }
  return out;
}

}  // namespace mc::core::pillow

#include "core/pillow_resize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
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

namespace mc::core::pillow {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double bicubic_filter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// precompute_coeffs and normalize_coeffs_8bpc: per output index, the first
// source index, the number of taps and ksize fixed-point weights.
struct Coefficients {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<std::int32_t> weights;
};

Coefficients coefficients(int in_size, int out_size) {
  constexpr double kSupport = 2.0;
  // The box is (0, in_size) as libImaging's float parameters.
  const float in0 = 0.0F;
  const auto in1 = static_cast<float>(in_size);
  const double scale = static_cast<double>(in1 - in0) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = kSupport * filterscale;
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(static_cast<std::size_t>(out_size));
  c.count.resize(static_cast<std::size_t>(out_size));
  c.weights.assign(static_cast<std::size_t>(out_size) * static_cast<std::size_t>(c.ksize), 0);
  std::vector<double> k(static_cast<std::size_t>(c.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = static_cast<double>(in0) + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int xmin = std::max(0, static_cast<int>(center - support + 0.5));
    const int xmax = std::min(in_size, static_cast<int>(center + support + 0.5)) - xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[static_cast<std::size_t>(x)] = bicubic_filter((x + xmin - center + 0.5) * ss);
      ww += k[static_cast<std::size_t>(x)];
    }
    for (int x = 0; x < xmax; ++x) {
      double w = k[static_cast<std::size_t>(x)];
      if (ww != 0.0) w /= ww;
      const double fixed = w * (1 << kPrecisionBits);
      c.weights[static_cast<std::size_t>(xx * c.ksize + x)] =
          static_cast<std::int32_t>(w < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
    c.first[static_cast<std::size_t>(xx)] = xmin;
    c.count[static_cast<std::size_t>(xx)] = xmax;
  }
  return c;
}

std::uint8_t clip8(std::int64_t in) {
  if (in >= (std::int64_t{1} << kPrecisionBits << 8)) return 255;
  if (in <= 0) return 0;
  return static_cast<std::uint8_t>(in >> kPrecisionBits);
}

}  // namespace

cv::Mat resize_bicubic(const cv::Mat& src, cv::Size size) {
  CV_Assert(!src.empty() && src.type() == CV_8UC1 && size.width > 0 && size.height > 0);
  if (src.size() == size) return src.clone();
  const Coefficients horizontal = coefficients(src.cols, size.width);
  const Coefficients vertical = coefficients(src.rows, size.height);
  // The rows the vertical pass reads.
  const int y_first = vertical.first.front();
  const int y_last = vertical.first.back() + vertical.count.back();
  cv::Mat temp;
  if (src.cols != size.width) {
    temp.create(y_last - y_first, size.width, CV_8UC1);
    for (int y = 0; y < temp.rows; ++y) {
      const std::uint8_t* in = src.ptr<std::uint8_t>(y + y_first);
      auto* out = temp.ptr<std::uint8_t>(y);
      for (int xx = 0; xx < size.width; ++xx) {
        const std::int32_t* k = &horizontal.weights[static_cast<std::size_t>(xx * horizontal.ksize)];
        const int xmin = horizontal.first[static_cast<std::size_t>(xx)];
        // libImaging sums in a 32-bit int; the weights keep it in range.
        std::int32_t sum = 1 << (kPrecisionBits - 1);
        for (int x = 0; x < horizontal.count[static_cast<std::size_t>(xx)]; ++x) sum += in[xmin + x] * k[x];
        out[xx] = clip8(sum);
      }
    }
  } else {
    temp = src.rowRange(y_first, y_last);
  }
  if (src.rows == size.height) return temp.clone();
  cv::Mat out(size, CV_8UC1);
  for (int yy = 0; yy < size.height; ++yy) {
    const std::int32_t* k = &vertical.weights[static_cast<std::size_t>(yy * vertical.ksize)];
    const int ymin = vertical.first[static_cast<std::size_t>(yy)] - y_first;
    auto* row = out.ptr<std::uint8_t>(yy);
    for (int xx = 0; xx < size.width; ++xx) {
      std::int32_t sum = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < vertical.count[static_cast<std::size_t>(yy)]; ++y) {
        sum += temp.at<std::uint8_t>(ymin + y, xx) * k[y];
      }
      row[xx] = clip8(sum);
    }
  }
  return out;
}

}  // namespace mc::core::pillow

#pragma once

#include <cstdint>
#include <string_view>

#include <opencv2/core.hpp>

namespace mc::adapters {

// BMP bytes to 8-bit BGR with stb_image (Debian's libstb-dev, compiled in
// with its BMP reader only): 1, 4, 8 (palette), 16, 24 and 32 bits per pixel,
// bottom-up or top-down rows; a 32-bit image's fourth channel is dropped, as
// OpenCV's IMREAD_COLOR and Pillow drop it. Run-length-encoded BMP is refused.
// The size stb reads must be `width` x `height` (already checked against the
// pixel limit), or nothing is decoded. Throws core::InputError naming the
// problem.
cv::Mat decode_bmp(std::string_view bytes, std::int64_t width, std::int64_t height);

}  // namespace mc::adapters

#include "adapters/bmp_codec.hpp"

#include <climits>
#include <cstdlib>
#include <memory>
#include <string>

#include <opencv2/imgproc.hpp>

// stb_image's BMP reader only, compiled into this file with its functions
// static: no other format's code, no stdio, no symbols shared with anyone.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#include <stb/stb_image.h>

#include "core/errors.hpp"

namespace mc::adapters {

cv::Mat decode_bmp(std::string_view bytes, std::int64_t width, std::int64_t height) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) throw core::InputError("corrupt BMP image (over 2 GB)");
  // stb_image reads no run-length-encoded BMP (OpenCV did; Pillow does);
  // "unknown image type" would not tell the sender what to change.
  if (bytes.size() >= 34 && static_cast<std::uint8_t>(bytes[14]) >= 40 && bytes[30] >= 1 && bytes[30] <= 2 &&
      bytes[31] == 0 && bytes[32] == 0 && bytes[33] == 0) {
    throw core::InputError(std::string("unsupported BMP image (run-length encoded, RLE") +
                           (bytes[30] == 1 ? "8" : "4") + "; send JPEG, PNG, WebP or an uncompressed BMP)");
  }
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  int read_width = 0;
  int read_height = 0;
  int channels = 0;
  if (stbi_info_from_memory(data, size, &read_width, &read_height, &channels) == 0) {
    throw core::InputError(std::string("corrupt BMP image (the decoder rejected its headers: ") +
                           stbi_failure_reason() + ")");
  }
  read_height = std::abs(read_height);  // stbi_info gives a top-down image's height as stored: negative
  if (read_width != width || read_height != height) {
    throw core::InputError("corrupt BMP image (its header gives " + std::to_string(width) + " x " +
                           std::to_string(height) + ", but the decoder reads " + std::to_string(read_width) + " x " +
                           std::to_string(read_height) + ")");
  }
  const std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> pixels(
      stbi_load_from_memory(data, size, &read_width, &read_height, &channels, 3), stbi_image_free);
  if (!pixels) {
    throw core::InputError(std::string("corrupt BMP image (the decoder rejected it: ") + stbi_failure_reason() + ")");
  }
  const cv::Mat rgb(read_height, read_width, CV_8UC3, pixels.get());
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

}  // namespace mc::adapters

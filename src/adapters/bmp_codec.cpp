#include "adapters/bmp_codec.hpp"

#include <climits>
#include <cstdint>
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

namespace {

std::uint32_t little_endian(std::string_view bytes, std::size_t at, int count) {
  std::uint32_t value = 0;
  for (int i = count - 1; i >= 0; --i)
    value = value << 8 | static_cast<std::uint8_t>(bytes[at + static_cast<std::size_t>(i)]);
  return value;
}

// stb_image reads a 1-, 4- or 8-bit BMP's palette from the space before the
// pixels and looks each index up without checking it against that palette:
// an index beyond it reads stack bytes never written. Each index is checked
// here first (the header check has made sure every row is in the file).
void check_palette_indices(std::string_view bytes, std::int64_t width, std::int64_t height) {
  if (bytes.size() < 34) return;
  const std::uint32_t header_size = little_endian(bytes, 14, 4);
  const bool core_header = header_size == 12;
  const std::uint32_t bits = little_endian(bytes, core_header ? 24 : 28, 2);
  if (bits != 1 && bits != 4 && bits != 8) return;
  if (!core_header && little_endian(bytes, 30, 4) != 0) return;  // compressed: refused elsewhere
  const std::int64_t offset = little_endian(bytes, 10, 4);
  const std::int64_t palette_bytes = offset - 14 - (core_header ? 24 : header_size);
  const std::int64_t colours = core_header ? palette_bytes / 3 : palette_bytes / 4;
  if (palette_bytes < 0 || colours < 1) throw core::InputError("corrupt BMP image (no palette before its pixels)");
  if (colours >= (std::int64_t{1} << bits)) return;
  const std::int64_t row_bytes = (width * bits + 31) / 32 * 4;
  for (std::int64_t row = 0; row < height; ++row) {
    const std::size_t start = static_cast<std::size_t>(offset + row * row_bytes);
    if (start + static_cast<std::size_t>(row_bytes) > bytes.size()) {
      throw core::InputError("corrupt BMP image (pixel rows missing)");
    }
    for (std::int64_t x = 0; x < width; ++x) {
      const auto byte = static_cast<std::uint8_t>(bytes[start + static_cast<std::size_t>(x * bits / 8)]);
      const int shift = static_cast<int>(8 - bits - (x * bits) % 8);
      const std::int64_t index = (byte >> shift) & ((1 << bits) - 1);
      if (index >= colours) {
        throw core::InputError("corrupt BMP image (a pixel names colour " + std::to_string(index) + " of a " +
                               std::to_string(colours) + "-colour palette)");
      }
    }
  }
}

}  // namespace

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
  check_palette_indices(bytes, width, height);
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

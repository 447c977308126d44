#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mc::core {

// MAX_IMAGE_PIXELS when unset.
inline constexpr std::uint64_t kDefaultMaxImagePixels = 40'000'000;

enum class ImageFormat { kJpeg, kPng, kWebp, kBmp };

std::string_view image_format_name(ImageFormat format);

struct ImageHeader {
  ImageFormat format = ImageFormat::kJpeg;
  std::int64_t width = 0;
  std::int64_t height = 0;
};

// Reads the format and the declared size of an encoded image without decoding
// it, so that non-images, truncated files, zero-size and oversized images are
// refused with a clear message before any pixel is decoded (a small file can
// declare gigapixels). Throws InputError naming the problem:
// empty input, unknown format, truncated file (no end marker or a short file),
// zero width or height, more than `max_pixels` pixels.
ImageHeader inspect_image(std::string_view bytes, std::uint64_t max_pixels);

}  // namespace mc::core

#pragma once

#include <cstdint>
#include <string_view>

#include <opencv2/core.hpp>

namespace mc::adapters {

inline constexpr std::uint64_t kDefaultMaxImagePixels = 40'000'000;

// docs/algorithm.md section 1, step 1: JPEG, PNG, WebP or BMP bytes to 8-bit BGR. Grey
// becomes three equal channels, alpha is composited over white, JPEG EXIF
// orientation is applied. Throws core::InputError naming the problem (see
// core::inspect_image) before decoding anything that is not a sound image.
cv::Mat decode_image(std::string_view bytes, std::uint64_t max_pixels = kDefaultMaxImagePixels);

}  // namespace mc::adapters

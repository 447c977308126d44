#pragma once

#include <cstdint>
#include <string_view>

#include <opencv2/core.hpp>

#include "core/image_header.hpp"

namespace mc::adapters {

inline constexpr std::uint64_t kDefaultMaxImagePixels = core::kDefaultMaxImagePixels;

// docs/algorithm.md section 1, step 1: JPEG, PNG, WebP or BMP bytes to 8-bit BGR. Grey
// becomes three equal channels, alpha is composited over white, JPEG EXIF
// orientation is applied; an animated WebP or PNG gives its first frame (as
// Pillow does). Throws core::InputError naming the problem (see
// core::inspect_image) before decoding anything that is not a sound image.
// The size is checked twice before decoding, by core::inspect_image and by the
// codec library's own header reader (libjpeg, libwebp), and the decoded image
// must have that size: bytes that two readers see differently are corrupt, so
// no decoder produces more than `max_pixels` pixels.
cv::Mat decode_image(std::string_view bytes, std::uint64_t max_pixels = kDefaultMaxImagePixels);

}  // namespace mc::adapters

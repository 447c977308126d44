#pragma once

#include <cstdint>
#include <string_view>

#include <opencv2/core.hpp>

namespace mc::adapters {

// JPEG bytes to 8-bit BGR with libjpeg-turbo, as OpenCV 4.6's IMREAD_COLOR
// gave them (libjpeg's defaults: islow DCT, fancy upsampling; grey expanded to
// three channels; CMYK and YCCK converted with OpenCV's integer formula), then
// turned by the EXIF orientation of the first APP1 segment (read with
// libexif). The frame libjpeg reads must be `width` x `height` (already
// checked against the pixel limit), or nothing is allocated. Throws
// core::InputError naming the problem.
cv::Mat decode_jpeg(std::string_view bytes, std::int64_t width, std::int64_t height);

}  // namespace mc::adapters

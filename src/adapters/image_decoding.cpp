#include "adapters/image_decoding.hpp"

#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/image_header.hpp"

namespace mc::adapters {

namespace {

cv::Mat to_eight_bit(const cv::Mat& image) {
  if (image.depth() == CV_8U) return image;
  cv::Mat converted;
  image.convertTo(converted, CV_8U, image.depth() == CV_16U ? 1.0 / 257.0 : 255.0);
  return converted;
}

// Composites over white in 8 bits, one pass, no float temporaries: a
// 40-megapixel image needs only its decoded and its output buffers.
// (c * a + 255 * (255 - a)) / 255 rounded to nearest equals the float
// formula c * a/255 + 255 * (1 - a/255) rounded: N / 255 is never exactly
// halfway between two integers, as 255 is odd.
cv::Mat over_white(const cv::Mat& image) {
  const int channels = image.channels();  // 2 (grey + alpha) or 4 (BGRA)
  cv::Mat result(image.size(), CV_8UC3);
  for (int y = 0; y < image.rows; ++y) {
    const std::uint8_t* in = image.ptr<std::uint8_t>(y);
    std::uint8_t* out = result.ptr<std::uint8_t>(y);
    for (int x = 0; x < image.cols; ++x, in += channels, out += 3) {
      const unsigned alpha = in[channels - 1];
      const unsigned white = 255U * (255U - alpha) + 127U;
      for (int c = 0; c < 3; ++c) {
        const unsigned colour = in[channels == 2 ? 0 : c];
        out[c] = static_cast<std::uint8_t>((colour * alpha + white) / 255U);
      }
    }
  }
  return result;
}

}  // namespace

cv::Mat decode_image(std::string_view bytes, std::uint64_t max_pixels) {
  const core::ImageHeader header = core::inspect_image(bytes, max_pixels);
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  // JPEG and BMP: OpenCV applies the EXIF orientation and makes grey three
  // channels. PNG and WebP may carry alpha, which IMREAD_COLOR would drop.
  const bool may_have_alpha = header.format == core::ImageFormat::kPng || header.format == core::ImageFormat::kWebp;
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(buffer, may_have_alpha ? cv::IMREAD_UNCHANGED : cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    decoded.release();
  }
  if (decoded.empty()) {
    throw core::InputError("corrupt " + std::string(core::image_format_name(header.format)) +
                           " image (the decoder rejected it)");
  }
  decoded = to_eight_bit(decoded);
  switch (decoded.channels()) {
    case 1: {
      cv::Mat colour;
      cv::cvtColor(decoded, colour, cv::COLOR_GRAY2BGR);
      return colour;
    }
    case 2:  // grey + alpha
    case 4:
      return over_white(decoded);
    default:
      return decoded;
  }
}

}  // namespace mc::adapters

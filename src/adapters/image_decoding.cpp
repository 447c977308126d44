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

cv::Mat over_white(const cv::Mat& bgra) {
  cv::Mat colour;
  cv::Mat alpha;
  cv::cvtColor(bgra, colour, cv::COLOR_BGRA2BGR);
  cv::extractChannel(bgra, alpha, 3);
  cv::Mat alpha3;
  cv::cvtColor(alpha, alpha3, cv::COLOR_GRAY2BGR);
  cv::Mat colour_f;
  cv::Mat alpha_f;
  colour.convertTo(colour_f, CV_32F);
  alpha3.convertTo(alpha_f, CV_32F, 1.0 / 255.0);
  // c * a + 255 * (1 - a)
  cv::Mat result_f = colour_f.mul(alpha_f) + (cv::Scalar::all(1.0) - alpha_f) * 255.0;
  cv::Mat result;
  result_f.convertTo(result, CV_8U);
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
    case 2: {  // grey + alpha
      std::vector<cv::Mat> planes;
      cv::split(decoded, planes);
      cv::Mat bgra;
      cv::merge(std::vector<cv::Mat>{planes[0], planes[0], planes[0], planes[1]}, bgra);
      return over_white(bgra);
    }
    case 4: return over_white(decoded);
    default: return decoded;
  }
}

}  // namespace mc::adapters

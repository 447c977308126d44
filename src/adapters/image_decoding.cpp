#include "adapters/image_decoding.hpp"

#include <memory>
#include <string>

#include <opencv2/imgproc.hpp>
#include <webp/decode.h>
#include <webp/demux.h>

#include "adapters/bmp_codec.hpp"
#include "adapters/jpeg_codec.hpp"
#include "adapters/png_codec.hpp"
#include "core/errors.hpp"

namespace mc::adapters {

namespace {

// 16 bits to 8 as Pillow reads a 16-bit PNG: the high byte (v >> 8). With
// the offset, (2v - 255) / 512 is never halfway, so rounding is the floor.
cv::Mat to_eight_bit(const cv::Mat& image) {
  if (image.depth() == CV_8U) return image;
  cv::Mat converted;
  if (image.depth() == CV_16U) {
    image.convertTo(converted, CV_8U, 1.0 / 256.0, -0.5 + 1.0 / 512.0);
  } else {
    image.convertTo(converted, CV_8U, 255.0);
  }
  return converted;
}

// Composites over white in 8 bits, one pass, no float temporaries: a
// 40-megapixel image needs only its decoded and its output buffers (a 16-bit
// one is read by its high bytes here, with no 8-bit copy in between).
// (c * a + 255 * (255 - a)) / 255 rounded to nearest equals the float
// formula c * a/255 + 255 * (1 - a/255) rounded: N / 255 is never exactly
// halfway between two integers, as 255 is odd.
template <typename Sample>
cv::Mat over_white(const cv::Mat& image) {
  constexpr unsigned kShift = sizeof(Sample) == 2 ? 8 : 0;  // 16 bits: the high byte
  const int channels = image.channels();                    // 2 (grey + alpha) or 4 (BGRA)
  cv::Mat result(image.size(), CV_8UC3);
  for (int y = 0; y < image.rows; ++y) {
    const Sample* in = image.ptr<Sample>(y);
    std::uint8_t* out = result.ptr<std::uint8_t>(y);
    for (int x = 0; x < image.cols; ++x, in += channels, out += 3) {
      const unsigned alpha = static_cast<unsigned>(in[channels - 1]) >> kShift;
      const unsigned white = 255U * (255U - alpha) + 127U;
      for (int c = 0; c < 3; ++c) {
        const unsigned colour = static_cast<unsigned>(in[channels == 2 ? 0 : c]) >> kShift;
        out[c] = static_cast<std::uint8_t>((colour * alpha + white) / 255U);
      }
    }
  }
  return result;
}

cv::Mat over_white(const cv::Mat& image) {
  return image.depth() == CV_16U ? over_white<std::uint16_t>(image) : over_white<std::uint8_t>(image);
}

[[noreturn]] void corrupt(core::ImageFormat format, const std::string& detail) {
  throw core::InputError("corrupt " + std::string(core::image_format_name(format)) + " image (" + detail + ")");
}

std::string size_text(std::int64_t width, std::int64_t height) {
  return std::to_string(width) + " x " + std::to_string(height);
}

// libwebp's view of the file: a still image as OpenCV 4.6's IMREAD_UNCHANGED
// gave it (BGRA when the alpha flag is set, else BGR); an animation (which
// OpenCV refused) as its first frame composed on the canvas, as Pillow shows it.
cv::Mat decode_webp(std::string_view bytes, const core::ImageHeader& header) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(data, bytes.size(), &features) != VP8_STATUS_OK) {
    corrupt(header.format, "the decoder rejected its headers");
  }
  if (features.width != header.width || features.height != header.height) {
    corrupt(header.format, "its header gives " + size_text(header.width, header.height) + ", but the decoder reads " +
                               size_text(features.width, features.height));
  }
  if (features.has_animation == 0) {
    cv::Mat image(static_cast<int>(header.height), static_cast<int>(header.width),
                  features.has_alpha != 0 ? CV_8UC4 : CV_8UC3);
    const std::size_t length = image.step[0] * static_cast<std::size_t>(image.rows);
    const int stride = static_cast<int>(image.step[0]);
    const std::uint8_t* decoded = features.has_alpha != 0
                                      ? WebPDecodeBGRAInto(data, bytes.size(), image.data, length, stride)
                                      : WebPDecodeBGRInto(data, bytes.size(), image.data, length, stride);
    if (decoded == nullptr) corrupt(header.format, "the decoder rejected it");
    return image;
  }
  WebPAnimDecoderOptions options;
  if (WebPAnimDecoderOptionsInit(&options) == 0) throw std::runtime_error("libwebp: incompatible version");
  options.color_mode = MODE_BGRA;
  options.use_threads = 0;
  const WebPData input{data, bytes.size()};
  const std::unique_ptr<WebPAnimDecoder, decltype(&WebPAnimDecoderDelete)> decoder(WebPAnimDecoderNew(&input, &options),
                                                                                   WebPAnimDecoderDelete);
  if (!decoder) corrupt(header.format, "the decoder rejected its animation");
  WebPAnimInfo info;
  if (WebPAnimDecoderGetInfo(decoder.get(), &info) == 0 || info.frame_count == 0) {
    corrupt(header.format, "an animation without frames");
  }
  if (info.canvas_width != header.width || info.canvas_height != header.height) {
    corrupt(header.format, "its header gives " + size_text(header.width, header.height) +
                               ", but the animation canvas is " + size_text(info.canvas_width, info.canvas_height));
  }
  std::uint8_t* pixels = nullptr;
  int timestamp = 0;
  if (WebPAnimDecoderGetNext(decoder.get(), &pixels, &timestamp) == 0) {
    corrupt(header.format, "the decoder rejected its first frame");
  }
  const cv::Mat canvas(static_cast<int>(info.canvas_height), static_cast<int>(info.canvas_width), CV_8UC4, pixels);
  if (features.has_alpha != 0) return over_white(canvas);
  // Without the alpha flag Pillow reads the frame as RGB: alpha is dropped.
  cv::Mat bgr;
  cv::cvtColor(canvas, bgr, cv::COLOR_BGRA2BGR);
  return bgr;
}

}  // namespace

cv::Mat decode_image(std::string_view bytes, std::uint64_t max_pixels) {
  const core::ImageHeader header = core::inspect_image(bytes, max_pixels);
  // JPEG and BMP come as BGR (JPEG turned by its EXIF orientation); PNG and
  // WebP as stored, alpha and 16 bits included, brought to BGR below.
  cv::Mat decoded;
  switch (header.format) {
    case core::ImageFormat::kJpeg:
      decoded = decode_jpeg(bytes, header.width, header.height);
      break;
    case core::ImageFormat::kPng:  // an animated PNG: its IDAT image, the first frame
      decoded = decode_png(bytes, header.width, header.height);
      break;
    case core::ImageFormat::kWebp:
      decoded = decode_webp(bytes, header);
      break;
    case core::ImageFormat::kBmp:
      decoded = decode_bmp(bytes, header.width, header.height);
      break;
  }
  const bool as_declared = decoded.cols == header.width && decoded.rows == header.height;
  // EXIF orientations 5 to 8 turn a JPEG by 90 degrees.
  const bool turned =
      header.format == core::ImageFormat::kJpeg && decoded.cols == header.height && decoded.rows == header.width;
  if (!as_declared && !turned) {
    corrupt(header.format, "its header gives " + size_text(header.width, header.height) + ", but it decoded as " +
                               size_text(decoded.cols, decoded.rows));
  }
  if (decoded.channels() == 2 || decoded.channels() == 4) {  // grey + alpha, BGRA
    if (decoded.depth() == CV_8U || decoded.depth() == CV_16U) return over_white(decoded);
  }
  decoded = to_eight_bit(decoded);
  switch (decoded.channels()) {
    case 1: {
      cv::Mat colour;
      cv::cvtColor(decoded, colour, cv::COLOR_GRAY2BGR);
      return colour;
    }
    case 2:
    case 4:
      return over_white(decoded);
    default:
      return decoded;
  }
}

}  // namespace mc::adapters

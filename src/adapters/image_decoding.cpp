#include "adapters/image_decoding.hpp"

#include <csetjmp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <webp/decode.h>
#include <webp/demux.h>

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

// libjpeg's own header reader, the one OpenCV's decoder runs: the frame size
// the decoder will produce (before EXIF orientation), or false when libjpeg
// refuses the headers.
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
};

void jpeg_error_exit(j_common_ptr info) { std::longjmp(reinterpret_cast<JpegErrors*>(info->err)->jump, 1); }
void jpeg_quiet(j_common_ptr /*info*/, int /*level*/) {}

bool libjpeg_frame_size(std::string_view bytes, std::int64_t& width, std::int64_t& height) {
  jpeg_decompress_struct info{};
  JpegErrors errors{};
  info.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jpeg_error_exit;
  errors.manager.emit_message = jpeg_quiet;
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  const int status = jpeg_read_header(&info, TRUE);
  width = info.image_width;
  height = info.image_height;
  jpeg_destroy_decompress(&info);
  return status == JPEG_HEADER_OK;
}

// libjpeg-turbo bounds neither the number of scans of a progressive JPEG
// nor their cost: each one, even empty, walks every block of the image, and
// a 400 kB file of 20 000 empty scans took 48 s to decode. Real encoders
// write about 10 (3 or fewer for baseline). Counting FF DA pairs can only
// over-count (scan data stuffs every FF as FF 00; an embedded thumbnail
// adds its own), so the limit is generous.
constexpr std::size_t kMaxJpegScans = 256;

std::size_t count_jpeg_scans(std::string_view bytes) {
  std::size_t scans = 0;
  for (std::size_t at = bytes.find("\xFF\xDA"); at != std::string_view::npos; at = bytes.find("\xFF\xDA", at + 2)) {
    ++scans;
  }
  return scans;
}

void check_jpeg_header(std::string_view bytes, const core::ImageHeader& header) {
  if (const std::size_t scans = count_jpeg_scans(bytes); scans > kMaxJpegScans) {
    corrupt(header.format, "it has " + std::to_string(scans) + " scans, more than the " +
                               std::to_string(kMaxJpegScans) + " any encoder writes");
  }
  std::int64_t width = 0;
  std::int64_t height = 0;
  if (!libjpeg_frame_size(bytes, width, height)) corrupt(header.format, "the decoder rejected its headers");
  if (width != header.width || height != header.height) {
    corrupt(header.format, "its markers give a " + size_text(header.width, header.height) +
                               " frame, but the decoder reads " + size_text(width, height));
  }
}

// libwebp's view of the file: OpenCV 4.6 refuses animated WebP, which is
// decoded here, its first frame composed on the canvas as Pillow shows it.
cv::Mat decode_webp_first_frame(std::string_view bytes, const core::ImageHeader& header) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(data, bytes.size(), &features) != VP8_STATUS_OK) {
    corrupt(header.format, "the decoder rejected its headers");
  }
  if (features.width != header.width || features.height != header.height) {
    corrupt(header.format, "its header gives " + size_text(header.width, header.height) + ", but the decoder reads " +
                               size_text(features.width, features.height));
  }
  if (features.has_animation == 0) return {};
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
  if (header.format == core::ImageFormat::kJpeg) check_jpeg_header(bytes, header);
  if (header.format == core::ImageFormat::kWebp) {
    if (cv::Mat first_frame = decode_webp_first_frame(bytes, header); !first_frame.empty()) return first_frame;
  }
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  // JPEG and BMP: OpenCV applies the EXIF orientation and makes grey three
  // channels. PNG and WebP may carry alpha, which IMREAD_COLOR would drop.
  // An animated PNG's first frame is its IDAT image, the one libpng reads.
  const bool may_have_alpha = header.format == core::ImageFormat::kPng || header.format == core::ImageFormat::kWebp;
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(buffer, may_have_alpha ? cv::IMREAD_UNCHANGED : cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    decoded.release();
  }
  if (decoded.empty()) corrupt(header.format, "the decoder rejected it");
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

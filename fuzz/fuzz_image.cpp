// Downloaded or base64 image bytes: core::inspect_image (header checks before
// decoding), adapters::decode_image (libjpeg-turbo + libexif, libpng, libwebp,
// stb_image's BMP reader) and core::to_person_image, with a 4-megapixel limit
// so that one input cannot take seconds. Only core::InputError may refuse an
// image; a decoded image is 8-bit BGR within the limit, and so is the padded
// canvas of the person image. A small decoded image also goes through
// adapters::encode_png and back: the same pixels.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "adapters/image_decoding.hpp"
#include "adapters/png_codec.hpp"
#include "core/errors.hpp"
#include "core/image_header.hpp"
#include "core/person_image.hpp"

namespace {
constexpr std::uint64_t kMaxPixels = 4'000'000;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);  // one thread: reproducible runs, no pool noise for the sanitizers
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    mc::core::inspect_image(bytes, kMaxPixels);
  } catch (const mc::core::InputError&) {
  }
  try {
    const cv::Mat image = mc::adapters::decode_image(bytes, kMaxPixels);
    if (image.type() != CV_8UC3 || image.empty() || static_cast<std::uint64_t>(image.total()) > kMaxPixels) {
      std::abort();
    }
    if (mc::core::to_person_image(image, kMaxPixels).size() != cv::Size(768, 1024)) std::abort();
    if (image.total() <= 65536) {
      const std::vector<std::uint8_t> png = mc::adapters::encode_png(image);
      const cv::Mat again = mc::adapters::decode_png(
          std::string_view(reinterpret_cast<const char*>(png.data()), png.size()), image.cols, image.rows);
      if (again.type() != CV_8UC3 || cv::norm(again, image, cv::NORM_INF) != 0) std::abort();
    }
  } catch (const mc::core::InputError&) {
  }
  return 0;
}

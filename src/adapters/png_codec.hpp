#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

namespace mc::adapters {

// PNG bytes to the pixels as stored, as OpenCV's IMREAD_UNCHANGED gave them
// (the layout docs/algorithm.md section 1 step 1 starts from): 8 or 16 bits;
// one channel for grey (a tRNS colour ignored), three (BGR) for colour and
// palette, four (BGRA) with an alpha channel or a tRNS chunk (grey + alpha is
// expanded to BGRA); bit depths below 8 widened. Throws core::InputError when
// libpng refuses the bytes or its size differs from `width` x `height` (the
// size already checked against the pixel limit), before allocating.
cv::Mat decode_png(std::string_view bytes, std::int64_t width, std::int64_t height);

// How PNGs are compressed. The defaults are those every PNG this program
// writes uses; bench/bench_png.cpp compares them with others and with
// Pillow's default save (issue 29: masks as small as the seed's).
struct PngCompression {
  int level = 9;                 // zlib level
  int filters = 0x08;            // PNG_FILTER_NONE: masks are runs of 0 and 255; rows repeat
  int strategy = 0;              // Z_DEFAULT_STRATEGY
};

// An 8-bit grey, BGR or BGRA image to PNG (8-bit grey, RGB or RGBA, nothing
// but the pixels). Throws std::runtime_error for other image types.
std::vector<std::uint8_t> encode_png(const cv::Mat& image, const PngCompression& compression = {});

}  // namespace mc::adapters

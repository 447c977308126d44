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

// How PNGs are compressed. The defaults are what every PNG this program
// writes uses (issue 29): on the golden figures' masks and parse maps, 23 %
// smaller than Pillow's default save (the seed's) and 57 % smaller than
// OpenCV's defaults (zlib level 1, Z_RLE, Sub), each mask no larger than
// Pillow's; about 11 ms a mask instead of 1.7 on this loaded 2-core machine
// (bench/bench_png.cpp compares these with other settings). A mask is runs of
// 0 and 255 whose rows mostly repeat the row above: per row, libpng picks
// None or Up.
struct PngCompression {
  int level = 8;       // zlib level: 9 saves 8 % more at 1.5 x the time
  int filters = 0x28;  // PNG_FILTER_NONE | PNG_FILTER_UP
  int strategy = 0;    // Z_DEFAULT_STRATEGY
};

// An 8-bit grey, BGR or BGRA image to PNG (8-bit grey, RGB or RGBA, nothing
// but the pixels). Throws std::runtime_error for other image types.
std::vector<std::uint8_t> encode_png(const cv::Mat& image, const PngCompression& compression = {});

}  // namespace mc::adapters

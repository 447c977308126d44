#include "core/image_header.hpp"

#include <cstdio>
#include <optional>

#include "core/errors.hpp"

namespace mc::core {

namespace {

constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";
constexpr std::string_view kPngEnd = "IEND\xae\x42\x60\x82";

std::uint32_t byte_at(std::string_view bytes, std::size_t offset) { return static_cast<std::uint8_t>(bytes[offset]); }
std::uint32_t big_endian16(std::string_view b, std::size_t o) { return byte_at(b, o) << 8 | byte_at(b, o + 1); }
std::uint32_t big_endian32(std::string_view b, std::size_t o) {
  return big_endian16(b, o) << 16 | big_endian16(b, o + 2);
}
std::uint32_t little_endian16(std::string_view b, std::size_t o) { return byte_at(b, o) | byte_at(b, o + 1) << 8; }
std::uint32_t little_endian24(std::string_view b, std::size_t o) {
  return little_endian16(b, o) | byte_at(b, o + 2) << 16;
}
std::uint32_t little_endian32(std::string_view b, std::size_t o) {
  return little_endian16(b, o) | little_endian16(b, o + 2) << 16;
}

[[noreturn]] void truncated(ImageFormat format, std::string_view detail) {
  throw InputError("corrupt or truncated " + std::string(image_format_name(format)) + " image (" + std::string(detail) +
                   ")");
}

ImageHeader png_header(std::string_view bytes) {
  if (bytes.size() < 33 || bytes.compare(12, 4, "IHDR") != 0) truncated(ImageFormat::kPng, "no IHDR chunk");
  if (bytes.rfind(kPngEnd) == std::string_view::npos) truncated(ImageFormat::kPng, "no IEND chunk");
  return {ImageFormat::kPng, big_endian32(bytes, 16), big_endian32(bytes, 20)};
}

ImageHeader jpeg_header(std::string_view bytes) {
  // A complete JPEG ends with the EOI marker (trailing padding aside).
  std::size_t end = bytes.size();
  while (end > 0 && (bytes[end - 1] == '\0' || bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) --end;
  if (end < 4 || byte_at(bytes, end - 2) != 0xFF || byte_at(bytes, end - 1) != 0xD9) {
    truncated(ImageFormat::kJpeg, "no end-of-image marker");
  }
  // Walk the marker segments up to the first start-of-frame as libjpeg reads
  // them (jdmarker.c, next_marker): bytes other than 0xFF before a marker and
  // stuffed FF 00 pairs are skipped, as are repeated FF fill bytes. Reading a
  // FF 00 as a marker would let the walk end at a frame header that the
  // decoder never sees.
  std::size_t offset = 2;
  while (offset + 4 <= bytes.size()) {
    if (byte_at(bytes, offset) != 0xFF) {  // extraneous byte
      ++offset;
      continue;
    }
    const std::uint32_t marker = byte_at(bytes, offset + 1);
    if (marker == 0xFF) {  // fill byte
      ++offset;
      continue;
    }
    if (marker == 0x00) {  // stuffed zero: not a marker
      offset += 2;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length field
      offset += 2;
      continue;
    }
    const std::uint32_t length = big_endian16(bytes, offset + 2);
    const bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame) {
      if (offset + 9 > bytes.size()) break;
      return {ImageFormat::kJpeg, big_endian16(bytes, offset + 7), big_endian16(bytes, offset + 5)};
    }
    if (marker == 0xDA || marker == 0xD8 || marker == 0xD9 || length < 2) break;  // no frame header before
    offset += 2 + length;
  }
  truncated(ImageFormat::kJpeg, "no frame header");
}

ImageHeader webp_header(std::string_view bytes) {
  if (bytes.size() < 30) truncated(ImageFormat::kWebp, "file too short");
  if (std::uint64_t{little_endian32(bytes, 4)} + 8 > bytes.size())
    truncated(ImageFormat::kWebp, "shorter than its RIFF size");
  const std::string_view chunk = bytes.substr(12, 4);
  if (chunk == "VP8 ") {
    return {ImageFormat::kWebp, little_endian16(bytes, 26) & 0x3FFF, little_endian16(bytes, 28) & 0x3FFF};
  }
  if (chunk == "VP8L") {
    const std::uint32_t bits = little_endian32(bytes, 21);
    return {ImageFormat::kWebp, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (chunk == "VP8X") {
    return {ImageFormat::kWebp, little_endian24(bytes, 24) + 1, little_endian24(bytes, 27) + 1};
  }
  truncated(ImageFormat::kWebp, "unknown chunk");
}

ImageHeader bmp_header(std::string_view bytes) {
  if (bytes.size() < 26) truncated(ImageFormat::kBmp, "file too short");
  if (little_endian32(bytes, 2) > bytes.size()) truncated(ImageFormat::kBmp, "shorter than its declared size");
  if (little_endian32(bytes, 14) == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit sizes
    return {ImageFormat::kBmp, little_endian16(bytes, 18), little_endian16(bytes, 20)};
  }
  const auto width = static_cast<std::int32_t>(little_endian32(bytes, 18));
  const auto height = static_cast<std::int32_t>(little_endian32(bytes, 22));  // negative: top-down rows
  const std::int64_t rows = height < 0 ? -static_cast<std::int64_t>(height) : height;
  // Uncompressed rows (BI_RGB, BI_BITFIELDS) must all be in the file: a
  // reader fills missing ones with zeros, 36 megapixels from 62 bytes.
  if (bytes.size() >= 34 && width > 0) {
    const std::uint32_t bits = little_endian16(bytes, 28);
    const std::uint32_t compression = little_endian32(bytes, 30);
    const std::uint64_t offset = little_endian32(bytes, 10);
    if ((compression == 0 || compression == 3) && bits > 0 && bits <= 32) {
      const std::uint64_t stride = (static_cast<std::uint64_t>(width) * bits + 31) / 32 * 4;
      if (offset > bytes.size() || static_cast<std::uint64_t>(rows) > (bytes.size() - offset) / stride) {
        truncated(ImageFormat::kBmp, "pixel rows missing");
      }
    }
  }
  return {ImageFormat::kBmp, width, rows};
}

std::optional<ImageFormat> sniff_format(std::string_view bytes) {
  if (bytes.size() >= 3 && byte_at(bytes, 0) == 0xFF && byte_at(bytes, 1) == 0xD8 && byte_at(bytes, 2) == 0xFF) {
    return ImageFormat::kJpeg;
  }
  if (bytes.substr(0, kPngSignature.size()) == kPngSignature) return ImageFormat::kPng;
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP") return ImageFormat::kWebp;
  if (bytes.substr(0, 2) == "BM") return ImageFormat::kBmp;
  return std::nullopt;
}

}  // namespace

std::string_view image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kWebp:
      return "WebP";
    case ImageFormat::kBmp:
      return "BMP";
  }
  return "unknown";
}

ImageHeader inspect_image(std::string_view bytes, std::uint64_t max_pixels) {
  if (bytes.empty()) throw InputError("image is empty (0 bytes)");
  const std::optional<ImageFormat> format = sniff_format(bytes);
  if (!format) throw InputError("not a supported image (expected JPEG, PNG, WebP or BMP)");
  ImageHeader header;
  switch (*format) {
    case ImageFormat::kJpeg:
      header = jpeg_header(bytes);
      break;
    case ImageFormat::kPng:
      header = png_header(bytes);
      break;
    case ImageFormat::kWebp:
      header = webp_header(bytes);
      break;
    case ImageFormat::kBmp:
      header = bmp_header(bytes);
      break;
  }
  const std::string size = std::to_string(header.width) + " x " + std::to_string(header.height);
  if (header.width <= 0 || header.height <= 0) {
    throw InputError(std::string(image_format_name(header.format)) + " image has zero size (" + size + ")");
  }
  const auto pixels = static_cast<std::uint64_t>(header.width) * static_cast<std::uint64_t>(header.height);
  if (pixels > max_pixels) {
    char megapixels[64];
    std::snprintf(megapixels, sizeof megapixels, "%.1f MP, over the limit of %.1f MP",
                  static_cast<double>(pixels) / 1e6, static_cast<double>(max_pixels) / 1e6);
    throw InputError("image is too large: " + size + " = " + megapixels);
  }
  return header;
}

}  // namespace mc::core

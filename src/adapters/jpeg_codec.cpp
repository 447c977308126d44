#include "adapters/jpeg_codec.hpp"

#include <csetjmp>
#include <cstdio>
#include <memory>
#include <string>

#include <jpeglib.h>
#include <libexif/exif-data.h>

#include "core/errors.hpp"

namespace mc::adapters {

namespace {

// libjpeg reports errors through error_exit, here a longjmp to the setjmp
// of read_headers or read_pixels. Those functions hold only plain data, so
// the jump skips no destructor; the cv::Mat the rows go to belongs to
// decode_jpeg, whose frame the jump never leaves.
struct JpegState {
  jpeg_decompress_struct info{};
  jpeg_error_mgr errors{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
};

void on_error(j_common_ptr info) {
  auto* state = reinterpret_cast<JpegState*>(info->client_data);
  info->err->format_message(info, state->message);
  std::longjmp(state->jump, 1);
}
// libjpeg's default prints warnings ("Corrupt JPEG data: premature end of
// data segment") on stderr, outside the structured log; decoding goes on as
// it did with OpenCV.
void quiet(j_common_ptr /*info*/, int /*level*/) {}

bool read_headers(JpegState& state, std::string_view bytes) {
  if (setjmp(state.jump) != 0) return false;
  jpeg_create_decompress(&state.info);  // keeps err and client_data
  jpeg_mem_src(&state.info, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_save_markers(&state.info, JPEG_APP0 + 1, 0xFFFF);  // EXIF
  return jpeg_read_header(&state.info, TRUE) == JPEG_HEADER_OK;
}

// OpenCV's icvCvt_CMYK2BGR_8u_C4C3R (modules/imgcodecs/src/utils.cpp).
void cmyk_to_bgr(const JSAMPLE* cmyk, std::uint8_t* bgr, JDIMENSION width) {
  for (JDIMENSION x = 0; x < width; ++x, cmyk += 4, bgr += 3) {
    const int k = cmyk[3];
    bgr[2] = static_cast<std::uint8_t>(k - ((255 - cmyk[0]) * k >> 8));
    bgr[1] = static_cast<std::uint8_t>(k - ((255 - cmyk[1]) * k >> 8));
    bgr[0] = static_cast<std::uint8_t>(k - ((255 - cmyk[2]) * k >> 8));
  }
}

bool read_pixels(JpegState& state, cv::Mat& image) {
  if (setjmp(state.jump) != 0) return false;
  const bool cmyk = state.info.num_components == 4;
  state.info.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_BGR;
  // libjpeg's defaults, which OpenCV kept: named so that the pixels never
  // depend on a changed default.
  state.info.dct_method = JDCT_ISLOW;
  state.info.do_fancy_upsampling = TRUE;
  jpeg_start_decompress(&state.info);
  JSAMPARRAY line = cmyk ? (*state.info.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&state.info), JPOOL_IMAGE,
                                                           state.info.output_width * 4, 1)
                         : nullptr;
  while (state.info.output_scanline < state.info.output_height) {
    std::uint8_t* row = image.ptr(static_cast<int>(state.info.output_scanline));
    JSAMPROW target = row;
    // A memory source never suspends (a short file gets a fake end marker
    // and a warning), so no line read means something else went wrong.
    if (jpeg_read_scanlines(&state.info, cmyk ? line : &target, 1) != 1) return false;
    if (cmyk) cmyk_to_bgr(line[0], row, state.info.output_width);
  }
  jpeg_finish_decompress(&state.info);
  return true;
}

// The orientation tag of IFD0 in the first APP1 segment, as OpenCV reads it
// (the first APP1, whatever it holds); 1 (as stored) when there is none.
int exif_orientation(const jpeg_decompress_struct& info) {
  const jpeg_saved_marker_ptr marker = info.marker_list;
  if (marker == nullptr || marker->marker != JPEG_APP0 + 1) return 1;
  const std::unique_ptr<ExifData, decltype(&exif_data_unref)> exif(exif_data_new(), exif_data_unref);
  if (!exif) throw std::bad_alloc();
  // As read: no entries added or changed to follow the specification.
  exif_data_unset_option(exif.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(exif.get(), marker->data, marker->data_length);
  ExifEntry* entry = exif_content_get_entry(exif->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
  if (entry == nullptr || entry->format != EXIF_FORMAT_SHORT || entry->components < 1 || entry->size < 2) return 1;
  return exif_get_short(entry->data, exif_data_get_byte_order(exif.get()));
}

// OpenCV's ApplyExifOrientation (modules/imgcodecs/src/loadsave.cpp).
cv::Mat oriented(const cv::Mat& image, int orientation) {
  cv::Mat result;
  switch (orientation) {
    case 2:
      cv::flip(image, result, 1);
      return result;
    case 3:
      cv::flip(image, result, -1);
      return result;
    case 4:
      cv::flip(image, result, 0);
      return result;
    case 5:
      cv::transpose(image, result);
      return result;
    case 6:
      cv::transpose(image, result);
      cv::flip(result, result, 1);
      return result;
    case 7:
      cv::transpose(image, result);
      cv::flip(result, result, -1);
      return result;
    case 8:
      cv::transpose(image, result);
      cv::flip(result, result, 0);
      return result;
    default:
      return image;
  }
}

std::string size_text(std::int64_t width, std::int64_t height) {
  return std::to_string(width) + " x " + std::to_string(height);
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

}  // namespace

cv::Mat decode_jpeg(std::string_view bytes, std::int64_t width, std::int64_t height) {
  if (const std::size_t scans = count_jpeg_scans(bytes); scans > kMaxJpegScans) {
    throw core::InputError("corrupt JPEG image (it has " + std::to_string(scans) + " scans, more than the " +
                           std::to_string(kMaxJpegScans) + " any encoder writes)");
  }
  JpegState state;
  state.info.err = jpeg_std_error(&state.errors);
  state.errors.error_exit = on_error;
  state.errors.emit_message = quiet;
  state.info.client_data = &state;
  struct Release {  // jpeg_destroy_decompress is a no-op on a struct that was never created
    jpeg_decompress_struct& info;
    ~Release() { jpeg_destroy_decompress(&info); }
  } release{state.info};
  if (!read_headers(state, bytes)) throw core::InputError("corrupt JPEG image (the decoder rejected its headers)");
  if (state.info.image_width != width || state.info.image_height != height) {
    throw core::InputError("corrupt JPEG image (its markers give a " + size_text(width, height) +
                           " frame, but the decoder reads " +
                           size_text(state.info.image_width, state.info.image_height) + ")");
  }
  // Read before the pixels: jpeg_finish_decompress frees the saved markers.
  const int orientation = exif_orientation(state.info);
  cv::Mat image(static_cast<int>(height), static_cast<int>(width), CV_8UC3);
  if (!read_pixels(state, image)) {
    throw core::InputError(std::string("corrupt JPEG image (the decoder rejected it: ") + state.message + ")");
  }
  return oriented(image, orientation);
}

}  // namespace mc::adapters

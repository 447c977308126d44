#include "adapters/png_codec.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include <png.h>

#include "core/errors.hpp"

namespace mc::adapters {

namespace {

// libpng reports errors by longjmp to the setjmp in png_jmpbuf. Only plain
// data lives in the functions that call setjmp (read_headers, read_pixels,
// write_pixels), so a longjmp skips no destructor; the C++ objects (the
// cv::Mat, the row pointers, the output vector) belong to their callers,
// whose frames the jump never leaves.
struct PngState {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const std::uint8_t* data = nullptr;  // reading: the input
  std::size_t size = 0;
  std::size_t offset = 0;
  std::vector<std::uint8_t>* out = nullptr;  // writing: the output
  char message[160] = {};
};

void on_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message);
  png_longjmp(png, 1);
}

// libpng's default prints warnings (an unknown chunk, a bad CRC in an
// ancillary chunk) on stderr, outside the structured log: they change nothing.
void on_warning(png_structp /*png*/, png_const_charp /*message*/) {}

void read_bytes(png_structp png, png_bytep out, png_size_t length) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  if (length > state->size - state->offset) png_error(png, "the data ends early");
  std::memcpy(out, state->data + state->offset, length);
  state->offset += length;
}

struct PngLayout {
  png_uint_32 width = 0;
  png_uint_32 height = 0;
  int depth = CV_8U;
  int channels = 1;
  png_size_t row_bytes = 0;
};

// The transformations OpenCV 4.6's PngDecoder sets for IMREAD_UNCHANGED
// (modules/imgcodecs/src/grfmt_png.cpp), so that the pixels stay the ones the
// golden and Pillow tests were written against.
bool read_headers(PngState& state, PngLayout& layout) {
  if (setjmp(png_jmpbuf(state.png)) != 0) return false;
  png_read_info(state.png, state.info);
  int bit_depth = 0;
  int colour_type = 0;
  png_get_IHDR(state.png, state.info, &layout.width, &layout.height, &bit_depth, &colour_type, nullptr, nullptr,
               nullptr);
  png_bytep trans = nullptr;
  int num_trans = 0;
  png_color_16p trans_values = nullptr;
  png_get_tRNS(state.png, state.info, &trans, &num_trans, &trans_values);
  switch (colour_type) {
    case PNG_COLOR_TYPE_RGB:
    case PNG_COLOR_TYPE_PALETTE:
      layout.channels = num_trans > 0 ? 4 : 3;
      break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
    case PNG_COLOR_TYPE_RGB_ALPHA:
      layout.channels = 4;
      break;
    default:
      layout.channels = 1;
  }
  layout.depth = bit_depth == 16 ? CV_16U : CV_8U;
  if (bit_depth == 16) png_set_swap(state.png);  // little-endian samples, as a cv::Mat holds them
  if (layout.channels < 4) {
    png_set_strip_alpha(state.png);
  } else {
    png_set_tRNS_to_alpha(state.png);
  }
  if (colour_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(state.png);
  if ((colour_type & PNG_COLOR_MASK_COLOR) == 0 && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(state.png);
  if ((colour_type & PNG_COLOR_MASK_COLOR) != 0 && layout.channels > 1) {
    png_set_bgr(state.png);
  } else if (layout.channels > 1) {
    png_set_gray_to_rgb(state.png);
  }
  png_set_interlace_handling(state.png);
  png_read_update_info(state.png, state.info);
  layout.row_bytes = png_get_rowbytes(state.png, state.info);
  return true;
}

bool read_pixels(PngState& state, png_bytepp rows) {
  if (setjmp(png_jmpbuf(state.png)) != 0) return false;
  png_read_image(state.png, rows);
  png_read_end(state.png, nullptr);
  return true;
}

void write_bytes(png_structp png, png_bytep data, png_size_t length) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  bool out_of_memory = false;
  try {
    state->out->insert(state->out->end(), data, data + length);
  } catch (const std::bad_alloc&) {
    out_of_memory = true;
  }
  if (out_of_memory) png_error(png, "out of memory");  // outside the catch: the jump leaves no exception behind
}

void flush_bytes(png_structp /*png*/) {}

bool write_pixels(PngState& state, const cv::Mat& image, png_bytepp rows, const PngCompression& compression) {
  if (setjmp(png_jmpbuf(state.png)) != 0) return false;
  png_set_write_fn(state.png, &state, write_bytes, flush_bytes);
  png_set_compression_level(state.png, compression.level);
  png_set_compression_strategy(state.png, compression.strategy);
  png_set_filter(state.png, PNG_FILTER_TYPE_BASE, compression.filters);
  const int colour_type = image.channels() == 1   ? PNG_COLOR_TYPE_GRAY
                          : image.channels() == 3 ? PNG_COLOR_TYPE_RGB
                                                  : PNG_COLOR_TYPE_RGB_ALPHA;
  png_set_IHDR(state.png, state.info, static_cast<png_uint_32>(image.cols), static_cast<png_uint_32>(image.rows), 8,
               colour_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  png_write_info(state.png, state.info);
  if (image.channels() > 1) png_set_bgr(state.png);
  png_write_image(state.png, rows);
  png_write_end(state.png, nullptr);
  return true;
}

std::vector<png_bytep> row_pointers(const cv::Mat& image) {
  std::vector<png_bytep> rows(static_cast<std::size_t>(image.rows));
  for (int y = 0; y < image.rows; ++y) rows[static_cast<std::size_t>(y)] = const_cast<png_bytep>(image.ptr(y));
  return rows;
}

}  // namespace

cv::Mat decode_png(std::string_view bytes, std::int64_t width, std::int64_t height) {
  PngState state;
  state.data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  state.size = bytes.size();
  state.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (state.png != nullptr) state.info = png_create_info_struct(state.png);
  struct Release {
    PngState& state;
    ~Release() { png_destroy_read_struct(&state.png, &state.info, nullptr); }
  } release{state};
  if (state.info == nullptr) throw std::bad_alloc();
  png_set_read_fn(state.png, &state, read_bytes);
  // Only the pixels matter: text, ICC profiles and unknown chunks are skipped
  // unread (a zTXt chunk inflates to 8 MB each, a thousand of them kept by
  // default), and no chunk may take more than 1 MiB of memory.
  static constexpr png_byte kIgnoredChunks[] = "iCCP\0iTXt\0tEXt\0zTXt\0sPLT\0eXIf";
  png_set_keep_unknown_chunks(state.png, PNG_HANDLE_CHUNK_NEVER, nullptr, 0);
  png_set_keep_unknown_chunks(state.png, PNG_HANDLE_CHUNK_NEVER, kIgnoredChunks, 6);
  png_set_chunk_malloc_max(state.png, 1 << 20);
  png_set_chunk_cache_max(state.png, 32);
  const auto refused = [&state](const std::string& what) {
    return core::InputError("corrupt PNG image (the decoder rejected " + what + ": " + state.message + ")");
  };
  PngLayout layout;
  if (!read_headers(state, layout)) throw refused("its headers");
  if (layout.width != width || layout.height != height) {
    throw core::InputError("corrupt PNG image (its header gives " + std::to_string(width) + " x " +
                           std::to_string(height) + ", but the decoder reads " + std::to_string(layout.width) + " x " +
                           std::to_string(layout.height) + ")");
  }
  cv::Mat image(static_cast<int>(layout.height), static_cast<int>(layout.width),
                CV_MAKETYPE(layout.depth, layout.channels));
  if (layout.row_bytes != image.step[0]) throw std::logic_error("libpng's rows differ from the layout set for them");
  std::vector<png_bytep> rows = row_pointers(image);
  if (!read_pixels(state, rows.data())) throw refused("it");
  return image;
}

std::vector<std::uint8_t> encode_png(const cv::Mat& image, const PngCompression& compression) {
  if (image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3 && image.channels() != 4) ||
      image.empty()) {
    throw std::runtime_error("PNG encoding takes an 8-bit grey, BGR or BGRA image");
  }
  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>(image.total()) / 16 + 1024);
  PngState state;
  state.out = &out;
  state.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (state.png != nullptr) state.info = png_create_info_struct(state.png);
  struct Release {
    PngState& state;
    ~Release() { png_destroy_write_struct(&state.png, &state.info); }
  } release{state};
  if (state.info == nullptr) throw std::bad_alloc();
  std::vector<png_bytep> rows = row_pointers(image);
  if (!write_pixels(state, image, rows.data(), compression)) {
    throw std::runtime_error(std::string("PNG encoding failed: ") + state.message);
  }
  return out;
}

}  // namespace mc::adapters

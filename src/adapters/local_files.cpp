#include "adapters/local_files.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>
#include "adapters/png_codec.hpp"
#include "core/errors.hpp"
#include "core/image_header.hpp"
#include "core/label_map.hpp"

namespace mc::adapters {

namespace {
constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";
// A label map is at most a few times the 768 x 1024 working size.
constexpr std::uint64_t kMaxLabelMapPixels = 40'000'000;
}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw core::InputError(path.string() + ": no such file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InputError(path.string() + ": cannot be opened");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

cv::Mat decode_label_png(std::string_view bytes) {
  if (bytes.substr(0, kPngSignature.size()) != kPngSignature) throw core::InputError("not a PNG file");
  const core::ImageHeader header = core::inspect_image(bytes, kMaxLabelMapPixels);
  return core::normalize_label_map(decode_png(bytes, header.width, header.height));
}

cv::Mat read_label_png(const std::filesystem::path& path) {
  const std::string bytes = read_file(path);
  try {
    return decode_label_png(bytes);
  } catch (const core::InputError& error) {
    throw core::InputError(path.string() + ": " + error.what());
  }
}

core::Keypoints parse_keypoints_json(std::string_view text) {
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) throw core::InputError("not valid JSON");
  return core::keypoints_from_json(document);
}

core::Keypoints read_keypoints_json(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  try {
    return parse_keypoints_json(text);
  } catch (const core::InputError& error) {
    throw core::InputError(path.string() + ": " + error.what());
  }
}

void write_png(const std::filesystem::path& path, const cv::Mat& image) {
  std::vector<std::uint8_t> encoded;
  try {
    encoded = encode_png(image);
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(path.string() + ": " + error.what());
  }
  write_text_file(path, std::string(encoded.begin(), encoded.end()));
}

void write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error(path.string() + ": cannot be written");
}

}  // namespace mc::adapters

#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "core/keypoints.hpp"

namespace mc::adapters {

// Reads a whole file; throws core::InputError naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

// An 8-bit single-channel label PNG, validated and brought to 768 x 1024.
// Throws core::InputError naming the problem (the file version adds the path).
cv::Mat decode_label_png(std::string_view bytes);
cv::Mat read_label_png(const std::filesystem::path& path);

// {"pose_keypoints_2d": [[x, y], ...]} from JSON text or a JSON file; throws
// core::InputError as above.
core::Keypoints parse_keypoints_json(std::string_view text);
core::Keypoints read_keypoints_json(const std::filesystem::path& path);

// Writes an image as PNG; throws std::runtime_error naming the path on failure.
void write_png(const std::filesystem::path& path, const cv::Mat& image);

// Writes text; throws std::runtime_error naming the path on failure.
void write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace mc::adapters

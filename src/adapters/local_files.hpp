#pragma once

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "core/keypoints.hpp"

namespace mc::adapters {

// Reads a whole file; throws core::InputError naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

// An 8-bit single-channel label PNG, validated and brought to 768 x 1024.
cv::Mat read_label_png(const std::filesystem::path& path);

// {"pose_keypoints_2d": [[x, y], ...]} from a JSON file.
core::Keypoints read_keypoints_json(const std::filesystem::path& path);

// Writes an image as PNG; throws std::runtime_error naming the path on failure.
void write_png(const std::filesystem::path& path, const cv::Mat& image);

// Writes text; throws std::runtime_error naming the path on failure.
void write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace mc::adapters

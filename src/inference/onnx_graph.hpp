#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mc::inference {

// The graph outputs of an ONNX file in the order the file declares them.
// OpenCV's list of unconnected outputs is sorted by name, so it cannot tell
// SCHP's parsing and fusion outputs apart (same shape, generated names).
// Reads only the graph's output list; the weights are skipped, not parsed.
// Throws core::SetupError naming the path when the file is not an ONNX model.
std::vector<std::string> onnx_declared_outputs(const std::filesystem::path& path);

}  // namespace mc::inference

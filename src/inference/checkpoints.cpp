#include "inference/checkpoints.hpp"

#include <fstream>
#include <vector>

#include "core/errors.hpp"

namespace mc::inference {

namespace {

bool readable_file(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  const std::ifstream in(path, std::ios::binary);
  return static_cast<bool>(in);
}

std::string describe_missing(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::exists(path, error) ? path.string() + " (not a readable file)" : path.string() + " (missing)";
}

}  // namespace

CheckpointPaths locate_checkpoints(const std::filesystem::path& directory) {
  CheckpointPaths paths;
  paths.atr = directory / "humanparsing" / "parsing_atr.onnx";
  paths.lip = directory / "humanparsing" / "parsing_lip.onnx";
  const std::filesystem::path pose_dir = directory / "openpose" / "ckpts";
  const std::filesystem::path pth = pose_dir / "body_pose_model.pth";
  const std::filesystem::path onnx = pose_dir / "body_pose_model.onnx";

  std::vector<std::string> problems;
  for (const auto& path : {paths.atr, paths.lip}) {
    if (!readable_file(path)) problems.push_back(describe_missing(path));
  }
  if (readable_file(onnx)) {
    paths.pose = onnx;
  } else if (readable_file(pth)) {
    problems.push_back(onnx.string() + " (missing; ONNX Runtime cannot read the PyTorch file " + pth.string() +
                       ", convert it once with: python3 tools/convert_openpose.py " + pth.string() + " " +
                       onnx.string() + ")");
  } else {
    problems.push_back(describe_missing(pth) + "; expected it, or " + onnx.filename().string());
  }
  if (!problems.empty()) {
    std::string message = "model checkpoints not usable under CHECKPOINTS_DIR=" + directory.string() + ":";
    for (const auto& problem : problems) message += "\n  " + problem;
    throw core::SetupError(message);
  }
  return paths;
}

}  // namespace mc::inference

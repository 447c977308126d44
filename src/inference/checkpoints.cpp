#include "inference/checkpoints.hpp"

#include <fstream>
#include <vector>

#include "core/errors.hpp"

namespace mc::inference {

namespace {

constexpr const char* kDwposeSource =
    "https://huggingface.co/yzd-v/DWPose (yolox_l.onnx, dw-ll_ucoco_384.onnx; docs/models.md)";

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

const char* pose_model_name(PoseModel model) { return model == PoseModel::kDwpose ? "dwpose" : "openpose"; }

PoseModel parse_pose_model(const std::string& name) {
  for (const PoseModel model : {PoseModel::kOpenPose, PoseModel::kDwpose}) {
    if (name == pose_model_name(model)) return model;
  }
  throw core::SetupError("POSE_MODEL must be openpose or dwpose (got \"" + name + "\")");
}

std::vector<std::filesystem::path> CheckpointPaths::pose_files() const {
  if (pose_model == PoseModel::kDwpose) return {dwpose_detector, dwpose_pose};
  return {pose};
}

CheckpointPaths locate_checkpoints(const std::filesystem::path& directory, PoseModel pose_model) {
  CheckpointPaths paths;
  paths.pose_model = pose_model;
  paths.atr = directory / "humanparsing" / "parsing_atr.onnx";
  paths.lip = directory / "humanparsing" / "parsing_lip.onnx";
  const std::filesystem::path pose_dir = directory / "openpose" / "ckpts";
  const std::filesystem::path pth = pose_dir / "body_pose_model.pth";
  const std::filesystem::path onnx = pose_dir / "body_pose_model.onnx";

  std::vector<std::string> problems;
  for (const auto& path : {paths.atr, paths.lip}) {
    if (!readable_file(path)) problems.push_back(describe_missing(path));
  }
  if (pose_model == PoseModel::kDwpose) {
    paths.dwpose_detector = directory / "dwpose" / "yolox_l.onnx";
    paths.dwpose_pose = directory / "dwpose" / "dw-ll_ucoco_384.onnx";
    bool missing = false;
    for (const auto& path : {paths.dwpose_detector, paths.dwpose_pose}) {
      if (!readable_file(path)) {
        problems.push_back(describe_missing(path));
        missing = true;
      }
    }
    if (missing) {
      problems.push_back("POSE_MODEL=dwpose needs both " + paths.dwpose_detector.string() + " and " +
                         paths.dwpose_pose.string() + "; DWPose publishes them (Apache-2.0) at " + kDwposeSource);
    }
  } else if (readable_file(onnx)) {
    paths.pose = onnx;
  } else if (readable_file(pth)) {
    problems.push_back(onnx.string() + " (missing; ONNX Runtime cannot read the PyTorch file " + pth.string() +
                       ", convert it once with: python3 tools/convert_openpose.py " + pth.string() + " " +
                       onnx.string() + ")");
  } else {
    problems.push_back(describe_missing(pth) + "; expected it, or " + onnx.filename().string() +
                       " (or set POSE_MODEL=dwpose for DWPose's networks)");
  }
  if (!problems.empty()) {
    std::string message = "model checkpoints not usable under CHECKPOINTS_DIR=" + directory.string() + ":";
    for (const auto& problem : problems) message += "\n  " + problem;
    throw core::SetupError(message);
  }
  return paths;
}

}  // namespace mc::inference

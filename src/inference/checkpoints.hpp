#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace mc::inference {

// The pose network in one of the forms OpenCV can read.
struct PoseCheckpoint {
  std::filesystem::path onnx;                 // converted from the .pth, or
  std::filesystem::path caffe_prototxt;       // the CMU Caffe files
  std::filesystem::path caffe_model;
  [[nodiscard]] bool is_caffe() const { return onnx.empty(); }
};

// The checkpoint files under CHECKPOINTS_DIR, laid out as the Python service's service has them:
//   humanparsing/parsing_atr.onnx, humanparsing/parsing_lip.onnx,
//   openpose/ckpts/body_pose_model.onnx (made from body_pose_model.pth by
//   tools/convert_openpose.py), or openpose/ckpts/pose_deploy_linevec.prototxt
//   with pose_iter_440000.caffemodel.
struct CheckpointPaths {
  std::filesystem::path atr;
  std::filesystem::path lip;
  PoseCheckpoint pose;
};

// Finds every checkpoint; throws core::SetupError naming each missing or
// unreadable path, and for a .pth without its .onnx the exact conversion command.
CheckpointPaths locate_checkpoints(const std::filesystem::path& directory);

}  // namespace mc::inference

#pragma once

#include <filesystem>

namespace mc::inference {

// The checkpoint files under CHECKPOINTS_DIR, laid out as the Python service has them:
//   humanparsing/parsing_atr.onnx, humanparsing/parsing_lip.onnx,
//   openpose/ckpts/body_pose_model.onnx (made from body_pose_model.pth by
//   tools/convert_openpose.py).
struct CheckpointPaths {
  std::filesystem::path atr;
  std::filesystem::path lip;
  std::filesystem::path pose;
};

// Finds every checkpoint; throws core::SetupError naming each missing or
// unreadable path, and for a .pth without its .onnx the exact conversion command.
CheckpointPaths locate_checkpoints(const std::filesystem::path& directory);

}  // namespace mc::inference

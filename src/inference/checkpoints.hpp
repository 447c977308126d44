#pragma once

#include <filesystem>
#include <vector>

#include "inference/model_settings.hpp"

namespace mc::inference {

// The checkpoint files under CHECKPOINTS_DIR, laid out as the Python service has them:
//   humanparsing/parsing_atr.onnx, humanparsing/parsing_lip.onnx,
//   openpose/ckpts/body_pose_model.onnx (made from body_pose_model.pth by
//   tools/convert_openpose.py) with POSE_MODEL=openpose, or
//   dwpose/yolox_l.onnx and dwpose/dw-ll_ucoco_384.onnx with POSE_MODEL=dwpose
//   (the layout of FitDiT and of ControlNet's annotators).
struct CheckpointPaths {
  std::filesystem::path atr;
  std::filesystem::path lip;
  PoseModel pose_model = PoseModel::kOpenPose;
  std::filesystem::path pose;             // OpenPose's body network; empty with DWPose
  std::filesystem::path dwpose_detector;  // DWPose's YOLOX-L; empty with OpenPose
  std::filesystem::path dwpose_pose;      // DWPose's RTMPose-l whole-body; empty with OpenPose

  // The pose network files of `pose_model`, in load order.
  [[nodiscard]] std::vector<std::filesystem::path> pose_files() const;
};

// Finds every checkpoint `pose_model` needs; throws core::SetupError naming
// each missing or unreadable path, for a .pth without its .onnx the exact
// conversion command, and for DWPose's files where they are published.
CheckpointPaths locate_checkpoints(const std::filesystem::path& directory, PoseModel pose_model);

}  // namespace mc::inference

#include "inference/dwpose_networks.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "inference/onnx_graph.hpp"

namespace mc::inference {

namespace {

std::vector<std::string> detector_outputs(const std::filesystem::path& path) {
  // The official export declares one output ("output"); the first is the grid predictions.
  return {onnx_declared_outputs(path).at(0)};
}

std::vector<std::string> pose_outputs(const std::filesystem::path& path) {
  const std::vector<std::string> declared = onnx_declared_outputs(path);
  for (const char* name : {"simcc_x", "simcc_y"}) {
    if (std::find(declared.begin(), declared.end(), name) == declared.end()) {
      throw core::SetupError(path.string() + ": has no output named " + name +
                             " (DWPose's dw-ll_ucoco_384.onnx declares simcc_x and simcc_y)");
    }
  }
  return {"simcc_x", "simcc_y"};
}

template <typename Work>
auto as_setup_error(Work work) {
  try {
    return work();
  } catch (const core::SetupError&) {
    throw;
  } catch (const std::runtime_error& error) {
    throw core::SetupError(error.what());
  }
}

}  // namespace

DwposeNetworks::DwposeNetworks(const std::filesystem::path& detector, const std::filesystem::path& pose,
                               const RuntimeSettings& settings, const ComputeDevice& device)
    : detector_(detector, detector_outputs(detector), settings, device),
      pose_(pose, pose_outputs(pose), settings, device) {
  // The first forward passes learn the output shapes; check them now, not on the first image.
  const cv::Mat grey(64, 48, CV_8UC3, cv::Scalar::all(128));
  as_setup_error([&] {
    const core::dwpose::Letterbox input = core::dwpose::detector_input(grey);
    core::dwpose::person_boxes(detector_.forward(input.blob).at(0), input.ratio);
    const core::dwpose::Crop crop = core::dwpose::pose_input(grey, nullptr);
    const std::vector<cv::Mat> simcc = pose_.forward(crop.blob);
    return core::dwpose::decode_simcc(simcc.at(0), simcc.at(1), crop);
  });
}

DwposeNetworks::People DwposeNetworks::find_people(const cv::Mat& image) {
  People found;
  const core::dwpose::Letterbox input = core::dwpose::detector_input(image);
  found.boxes = core::dwpose::person_boxes(detector_.forward(input.blob).at(0), input.ratio);
  const auto estimate = [&](const core::dwpose::Box* box) {
    const core::dwpose::Crop crop = core::dwpose::pose_input(image, box);
    const std::vector<cv::Mat> simcc = pose_.forward(crop.blob);
    found.people.push_back(core::dwpose::to_openpose(core::dwpose::decode_simcc(simcc.at(0), simcc.at(1), crop)));
  };
  if (found.boxes.empty()) estimate(nullptr);  // DWPose: no box, the whole image
  for (std::size_t i = 0; i < std::min(found.boxes.size(), core::dwpose::kMaxPeopleEstimated); ++i) {
    estimate(&found.boxes[i]);
  }
  return found;
}

core::dwpose::DwposeResult DwposeNetworks::analyze(const cv::Mat& image) {
  const People found = find_people(image);
  return core::dwpose::choose_person(found.people, static_cast<int>(found.boxes.size()), image.size());
}

}  // namespace mc::inference

#pragma once

#include <opencv2/dnn.hpp>

namespace spdlog {
class logger;
}

namespace mc::inference {

// Where the networks run. GPU_ID >= 0 asks for OpenCV's CUDA backend; GPU_ID
// -1 means the CPU.
struct ComputeDevice {
  bool cuda = false;
  int gpu_id = -1;
};

// Resolves GPU_ID once per process: when CUDA is asked for but this OpenCV
// build has no CUDA device, logs one warning on `log` and returns the CPU.
ComputeDevice resolve_compute_device(int gpu_id, spdlog::logger& log);

// Applies the device to a freshly loaded network.
void use_device(cv::dnn::Net& net, const ComputeDevice& device);

}  // namespace mc::inference

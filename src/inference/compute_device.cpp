#include "inference/compute_device.hpp"

#include <opencv2/core/cuda.hpp>
#include <spdlog/spdlog.h>

namespace mc::inference {

ComputeDevice resolve_compute_device(int gpu_id, spdlog::logger& log) {
  if (gpu_id < 0) return {};
  const int devices = cv::cuda::getCudaEnabledDeviceCount();
  if (devices <= gpu_id) {
    log.warn("GPU_ID={} asks for CUDA, but this OpenCV build has {} CUDA device(s); running on the CPU", gpu_id,
             devices);
    return {};
  }
  return {true, gpu_id};
}

void use_device(cv::dnn::Net& net, const ComputeDevice& device) {
  if (device.cuda) {
    cv::cuda::setDevice(device.gpu_id);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_CUDA);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CUDA);
  } else {
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  }
}

}  // namespace mc::inference

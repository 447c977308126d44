// Label-map PNGs (what `maskcomponent masks --parse` reads):
// adapters::decode_label_png. Only core::InputError may refuse one; an
// accepted map is 768 x 1024, 8-bit, labels 0..18.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <opencv2/core.hpp>

#include "adapters/local_files.hpp"
#include "core/errors.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const cv::Mat labels = mc::adapters::decode_label_png(std::string_view(reinterpret_cast<const char*>(data), size));
    double max_label = 0;
    cv::minMaxLoc(labels, nullptr, &max_label);
    if (labels.cols != 768 || labels.rows != 1024 || labels.type() != CV_8UC1 || max_label > 18) std::abort();
  } catch (const mc::core::InputError&) {
  }
  return 0;
}

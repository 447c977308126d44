// Keypoint JSON (what `maskcomponent masks --keypoints` reads):
// adapters::parse_keypoints_json. Only core::InputError may refuse it;
// accepted coordinates are finite.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "adapters/local_files.hpp"
#include "core/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const mc::core::Keypoints keypoints =
        mc::adapters::parse_keypoints_json(std::string_view(reinterpret_cast<const char*>(data), size));
    for (const auto& point : keypoints) {
      if (!std::isfinite(point.x) || !std::isfinite(point.y)) std::abort();
    }
  } catch (const mc::core::InputError&) {
  }
  return 0;
}

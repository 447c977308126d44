#include "core/keypoints.hpp"

#include <cmath>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace mc::core {

namespace {
constexpr const char* kField = "pose_keypoints_2d";

float coordinate(const nlohmann::json& value, std::size_t index, const char* axis) {
  if (!value.is_number()) {
    throw InputError(std::string(kField) + "[" + std::to_string(index) + "]." + axis + " is not a number");
  }
  const double number = value.get<double>();
  if (!std::isfinite(number)) {
    throw InputError(std::string(kField) + "[" + std::to_string(index) + "]." + axis + " is not finite");
  }
  // A double beyond float's range would become infinity (found by fuzz/fuzz_keypoints).
  if (std::abs(number) > static_cast<double>(std::numeric_limits<float>::max())) {
    throw InputError(std::string(kField) + "[" + std::to_string(index) + "]." + axis + " is out of range");
  }
  return static_cast<float>(number);
}
}  // namespace

Keypoints keypoints_from_json(const nlohmann::json& document) {
  if (!document.is_object() || !document.contains(kField)) {
    throw InputError(std::string("keypoints: expected an object with the field \"") + kField + "\"");
  }
  const auto& pairs = document.at(kField);
  if (!pairs.is_array() || pairs.size() != kKeypointCount) {
    throw InputError(
        std::string("keypoints: \"") + kField + "\" must be an array of " + std::to_string(kKeypointCount) +
        " [x, y] pairs, got " +
        (pairs.is_array() ? std::to_string(pairs.size()) + " entries" : std::string("a ") + pairs.type_name()));
  }
  Keypoints keypoints{};
  for (std::size_t i = 0; i < kKeypointCount; ++i) {
    const auto& pair = pairs[i];
    if (!pair.is_array() || pair.size() != 2) {
      throw InputError(std::string("keypoints: ") + kField + "[" + std::to_string(i) + "] must be an [x, y] pair");
    }
    keypoints[i] = cv::Point2f(coordinate(pair[0], i, "x"), coordinate(pair[1], i, "y"));
  }
  return keypoints;
}

nlohmann::json keypoints_to_json(const Keypoints& keypoints) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& point : keypoints) pairs.push_back({point.x, point.y});
  return {{kField, pairs}};
}

}  // namespace mc::core

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/keypoints.hpp"

namespace {

using mc::core::InputError;
using nlohmann::json;

json pairs(std::size_t count) {
  json list = json::array();
  for (std::size_t i = 0; i < count; ++i) list.push_back({static_cast<double>(i), static_cast<double>(2 * i) + 0.5});
  return {{"pose_keypoints_2d", list}};
}

std::string error_of(const json& document) {
  try {
    mc::core::keypoints_from_json(document);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Keypoints, ReadsEighteenPairsAndWritesThemBack) {
  const auto keypoints = mc::core::keypoints_from_json(pairs(18));
  EXPECT_FLOAT_EQ(keypoints[17].x, 17.0F);
  EXPECT_FLOAT_EQ(keypoints[17].y, 34.5F);
  EXPECT_EQ(mc::core::keypoints_from_json(mc::core::keypoints_to_json(keypoints)), keypoints);
}

TEST(Keypoints, NamesEachProblem) {
  EXPECT_NE(error_of(pairs(17)).find("18 [x, y] pairs, got 17 entries"), std::string::npos) << error_of(pairs(17));
  EXPECT_NE(error_of(json::object()).find("pose_keypoints_2d"), std::string::npos);
  json bad = pairs(18);
  bad["pose_keypoints_2d"][3] = {1.0};
  EXPECT_NE(error_of(bad).find("[3] must be an [x, y] pair"), std::string::npos) << error_of(bad);
  bad = pairs(18);
  bad["pose_keypoints_2d"][4][1] = "ten";
  EXPECT_NE(error_of(bad).find("[4].y is not a number"), std::string::npos) << error_of(bad);
  bad = pairs(18);
  bad["pose_keypoints_2d"][0][0] = 1e300;  // finite as a double, infinite as a float
  EXPECT_NE(error_of(bad).find("[0].x is out of range"), std::string::npos) << error_of(bad);
  bad["pose_keypoints_2d"][0][0] = -1e39;
  EXPECT_NE(error_of(bad).find("[0].x is out of range"), std::string::npos) << error_of(bad);
}

}  // namespace

#pragma once

#include <random>
#include <string>

#include <opencv2/core.hpp>

#include "core/keypoints.hpp"

namespace mc::test_support {

// A random person for the differential tests: a 768 x 1024 label map drawn from
// body shapes (head, neck, torso or dress, arms with hands, skirt or pants,
// legs, shoes, optional hat, sunglasses, bag, scarf, belt, and blobs of random
// labels that make holes and islands) and keypoints that follow the body with
// jitter, in 384 x 512 coordinates. Some wrists, elbows or shoulders are
// missing ((0, 0)), some bodies stand at an image edge, and the gender
// alternates between the spellings of both table columns.
struct RandomFigure {
  cv::Mat parse;
  core::Keypoints keypoints{};
  std::string gender;
};

RandomFigure random_figure(std::mt19937& rng, int index);

}  // namespace mc::test_support

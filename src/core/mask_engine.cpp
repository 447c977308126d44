#include "core/mask_engine.hpp"

#include <algorithm>
#include <map>

#include <opencv2/imgproc.hpp>

#include "core/category_mask.hpp"
#include "core/labels.hpp"

namespace mc::core {

namespace {
cv::Mat ellipse_kernel(int size) { return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(size, size)); }
}  // namespace

cv::Mat part_mask(const PartInputs& inputs, const PartSpec& part) {
  cv::Mat full;
  // Spec section 4 step 10.
  cv::resize(category_mask(inputs, part), full, cv::Size(kImageWidth, kImageHeight), 0, 0,
             cv::INTER_NEAREST_EXACT);
  const cv::Mat kernel = ellipse_kernel(5);
  cv::morphologyEx(full, full, cv::MORPH_CLOSE, kernel, cv::Point(-1, -1), 2);
  cv::morphologyEx(full, full, cv::MORPH_OPEN, kernel, cv::Point(-1, -1), 1);
  return full;
}

GeneratedMasks generate_masks(const cv::Mat& parse_full, const Keypoints& keypoints, Gender gender,
                              std::span<const MaskType> types) {
  const PartInputs inputs(parse_full, keypoints);

  std::vector<MaskRecipe> recipes;
  std::vector<PartSpec> distinct_parts;
  for (const MaskType type : types) {
    recipes.push_back(mask_recipe(type, gender));
    for (const PartSpec& part : recipes.back().parts) {
      if (std::find(distinct_parts.begin(), distinct_parts.end(), part) == distinct_parts.end()) {
        distinct_parts.push_back(part);
      }
    }
  }

  std::vector<cv::Mat> part_results(distinct_parts.size());
  for (std::size_t i = 0; i < distinct_parts.size(); ++i) {
    part_results[i] = part_mask(inputs, distinct_parts[i]);
  }
  auto result_of = [&](const PartSpec& part) -> const cv::Mat& {
    const auto at = std::find(distinct_parts.begin(), distinct_parts.end(), part);
    return part_results[static_cast<std::size_t>(at - distinct_parts.begin())];
  };

  GeneratedMasks out;
  out.parts_computed = distinct_parts.size();
  const cv::Mat union_kernel = ellipse_kernel(7);
  for (std::size_t t = 0; t < types.size(); ++t) {
    const MaskRecipe& recipe = recipes[t];
    if (!recipe.union_of_parts) {
      out.masks.emplace_back(types[t], result_of(recipe.parts.front()).clone());
      continue;
    }
    cv::Mat combined = cv::Mat::zeros(kImageHeight, kImageWidth, CV_8UC1);
    for (const PartSpec& part : recipe.parts) cv::bitwise_or(combined, result_of(part), combined);
    cv::morphologyEx(combined, combined, cv::MORPH_CLOSE, union_kernel, cv::Point(-1, -1), 3);
    out.masks.emplace_back(types[t], std::move(combined));
  }
  return out;
}

}  // namespace mc::core

#include "core/mask_engine.hpp"

#include <algorithm>
#include <exception>
#include <mutex>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "core/category_mask.hpp"
#include "core/labels.hpp"
#include "core/morphology.hpp"

namespace mc::core {

namespace {
// Runs task(0..count-1) on OpenCV's thread pool and rethrows the first error
// on the calling thread (an exception must not escape a parallel_for_ body).
template <typename Task>
void run_in_parallel(std::size_t count, Task task) {
  std::mutex error_mutex;
  std::exception_ptr error;
  cv::parallel_for_(cv::Range(0, static_cast<int>(count)), [&](const cv::Range& range) {
    for (int i = range.start; i < range.end; ++i) {
      try {
        task(static_cast<std::size_t>(i));
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  });
  if (error) std::rethrow_exception(error);
}
}  // namespace

cv::Mat part_mask(const PartInputs& inputs, const PartSpec& part) {
  // Spec section 4 step 10: 384 x 512 to 768 x 1024, nearest neighbour.
  cv::Mat full = enlarge_twice(category_mask(inputs, part));
  close_then_open(full, ellipse_kernel(5), 2, 1);
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

  // Distinct parts are independent: spread them over the cores. OpenCV runs the
  // calls nested inside a parallel_for_ body sequentially.
  std::vector<cv::Mat> part_results(distinct_parts.size());
  run_in_parallel(distinct_parts.size(),
                  [&](std::size_t i) { part_results[i] = part_mask(inputs, distinct_parts[i]); });
  auto result_of = [&](const PartSpec& part) -> const cv::Mat& {
    const auto at = std::find(distinct_parts.begin(), distinct_parts.end(), part);
    return part_results[static_cast<std::size_t>(at - distinct_parts.begin())];
  };

  // Types with the same parts give the same union (female upper_body, tshirts
  // and coat, for one): compute each distinct union once.
  std::vector<std::vector<PartSpec>> distinct_unions;
  for (const MaskRecipe& recipe : recipes) {
    if (recipe.union_of_parts &&
        std::find(distinct_unions.begin(), distinct_unions.end(), recipe.parts) == distinct_unions.end()) {
      distinct_unions.push_back(recipe.parts);
    }
  }
  std::vector<cv::Mat> union_results(distinct_unions.size());
  const cv::Mat union_kernel = ellipse_kernel(7);
  run_in_parallel(distinct_unions.size(), [&](std::size_t i) {
    cv::Mat combined = cv::Mat::zeros(kImageHeight, kImageWidth, CV_8UC1);
    for (const PartSpec& part : distinct_unions[i]) cv::bitwise_or(combined, result_of(part), combined);
    close_then_open(combined, union_kernel, 3, 0);
    union_results[i] = std::move(combined);
  });

  GeneratedMasks out;
  out.parts_computed = distinct_parts.size();
  for (std::size_t t = 0; t < types.size(); ++t) {
    const MaskRecipe& recipe = recipes[t];
    if (recipe.union_of_parts) {
      const auto at = std::find(distinct_unions.begin(), distinct_unions.end(), recipe.parts);
      out.masks.emplace_back(types[t], union_results[static_cast<std::size_t>(at - distinct_unions.begin())]);
    } else {
      out.masks.emplace_back(types[t], result_of(recipe.parts.front()));
    }
  }
  return out;
}

}  // namespace mc::core

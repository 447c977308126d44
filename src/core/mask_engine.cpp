#include "core/mask_engine.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "core/category_mask.hpp"
#include "core/labels.hpp"
#include "core/morphology.hpp"

namespace mc::core {

namespace {
// One task of the request's graph: runs once all of `after` have finished.
struct GraphTask {
  std::function<void()> run;
  std::vector<std::size_t> after;
};

// Runs the tasks on OpenCV's thread pool, each as soon as the tasks it depends on
// are done (a union starts while other parts are still being computed), and
// rethrows the first error on the calling thread. `tasks` must be listed in an
// order where dependencies come first. OpenCV runs the calls nested inside a
// parallel_for_ body sequentially, so there is no oversubscription.
void run_tasks(std::vector<GraphTask>& tasks) {
  enum class State { kWaiting, kRunning, kDone };
  std::vector<State> state(tasks.size(), State::kWaiting);
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t running = 0;
  std::exception_ptr error;

  auto ready = [&](std::size_t i) {
    return state[i] == State::kWaiting && std::all_of(tasks[i].after.begin(), tasks[i].after.end(),
                                                      [&](std::size_t d) { return state[d] == State::kDone; });
  };
  auto worker = [&](const cv::Range&) {
    std::unique_lock lock(mutex);
    while (!error) {
      // Prefer the latest ready task: unions, which end the request, come last.
      std::optional<std::size_t> next;
      for (std::size_t i = tasks.size(); i-- > 0;) {
        if (ready(i)) {
          next = i;
          break;
        }
      }
      if (!next) {
        // Nothing ready: wait for a running task, or stop when none runs (all done).
        if (running == 0) break;
        changed.wait(lock);
        continue;
      }
      state[*next] = State::kRunning;
      ++running;
      lock.unlock();
      std::exception_ptr failure;
      try {
        tasks[*next].run();
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      --running;
      state[*next] = State::kDone;
      if (failure && !error) error = failure;
      changed.notify_all();
    }
  };
  const int workers = std::max(1, cv::getNumThreads());
  cv::parallel_for_(cv::Range(0, workers), worker, workers);
  if (error) std::rethrow_exception(error);
}
}  // namespace

cv::Mat part_mask(const PartInputs& inputs, const PartSpec& part) {
  // docs/algorithm.md section 4 step 10: 384 x 512 to 768 x 1024, nearest neighbour.
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

  // Types with the same parts give the same union (female upper_body, tshirts
  // and coat, for one): compute each distinct union once.
  std::vector<std::vector<PartSpec>> distinct_unions;
  for (const MaskRecipe& recipe : recipes) {
    if (recipe.union_of_parts &&
        std::find(distinct_unions.begin(), distinct_unions.end(), recipe.parts) == distinct_unions.end()) {
      distinct_unions.push_back(recipe.parts);
    }
  }
  auto index_of = [](const auto& list, const auto& item) {
    return static_cast<std::size_t>(std::find(list.begin(), list.end(), item) - list.begin());
  };

  // One task per distinct part, then one per distinct union after its parts.
  std::vector<cv::Mat> part_results(distinct_parts.size());
  std::vector<cv::Mat> union_results(distinct_unions.size());
  const cv::Mat union_kernel = ellipse_kernel(7);
  std::vector<GraphTask> tasks;
  for (std::size_t i = 0; i < distinct_parts.size(); ++i) {
    tasks.push_back({[&, i] { part_results[i] = part_mask(inputs, distinct_parts[i]); }, {}});
  }
  for (std::size_t i = 0; i < distinct_unions.size(); ++i) {
    GraphTask task{[&, i] {
                     cv::Mat combined = cv::Mat::zeros(kImageHeight, kImageWidth, CV_8UC1);
                     for (const PartSpec& part : distinct_unions[i]) {
                       cv::bitwise_or(combined, part_results[index_of(distinct_parts, part)], combined);
                     }
                     close_then_open(combined, union_kernel, 3, 0);
                     union_results[i] = std::move(combined);
                   },
                   {}};
    for (const PartSpec& part : distinct_unions[i]) task.after.push_back(index_of(distinct_parts, part));
    tasks.push_back(std::move(task));
  }
  run_tasks(tasks);

  GeneratedMasks out;
  out.parts_computed = distinct_parts.size();
  for (std::size_t t = 0; t < types.size(); ++t) {
    const MaskRecipe& recipe = recipes[t];
    if (recipe.union_of_parts) {
      out.masks.emplace_back(types[t], union_results[index_of(distinct_unions, recipe.parts)]);
    } else {
      out.masks.emplace_back(types[t], part_results[index_of(distinct_parts, recipe.parts.front())]);
    }
  }
  return out;
}

}  // namespace mc::core

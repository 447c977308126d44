#include "core/pose.hpp"

#include <algorithm>
#include <array>
#include <cfenv>
#include <cmath>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/labels.hpp"

namespace mc::core {

namespace {

constexpr int kStride = 8;
constexpr double kInputScale = 0.5 * 368.0 / 512.0;
constexpr double kPeakThreshold = 0.1;  // compared in double, as body.py's thre1
constexpr double kPafThreshold = 0.05;
constexpr int kPafSamples = 10;
constexpr int kPartCount = static_cast<int>(kKeypointCount);

struct Limb {
  int part_a;  // 0-based
  int part_b;
  int paf_x;
  int paf_y;
};

// docs/algorithm.md section 3 step 5: the 19 limbs (1-based pairs made 0-based) and their PAF channels.
constexpr std::array<Limb, kLimbCount> kLimbs = {{
    {1, 2, 12, 13},  {1, 5, 20, 21},   {2, 3, 14, 15},  {3, 4, 16, 17},  {5, 6, 22, 23},
    {6, 7, 24, 25},  {1, 8, 0, 1},     {8, 9, 2, 3},    {9, 10, 4, 5},   {1, 11, 6, 7},
    {11, 12, 8, 9},  {12, 13, 10, 11}, {1, 0, 28, 29},  {0, 14, 30, 31}, {14, 16, 34, 35},
    {0, 15, 32, 33}, {15, 17, 36, 37}, {2, 16, 18, 19}, {5, 17, 26, 27},
}};
// Only the first 17 limbs may start a new person.
constexpr std::size_t kLimbsStartingPeople = 17;

cv::Mat resize_plane(const cv::Mat& plane, cv::Size size) {
  const bool enlarging = size.width >= plane.cols && size.height >= plane.rows;
  cv::Mat resized;
  cv::resize(plane, resized, size, 0, 0, enlarging ? cv::INTER_LANCZOS4 : cv::INTER_AREA);
  return resized;
}

std::vector<cv::Mat> upsample_channels(const cv::Mat& output, int expected_channels, cv::Size unpadded) {
  if (output.dims != 4 || output.size[1] != expected_channels || output.type() != CV_32F) {
    throw std::runtime_error("pose network output has an unexpected shape (expected " +
                             std::to_string(expected_channels) + " channels)");
  }
  const int rows = output.size[2];
  const int cols = output.size[3];
  std::vector<cv::Mat> planes(static_cast<std::size_t>(expected_channels));
  cv::parallel_for_(cv::Range(0, expected_channels), [&](const cv::Range& range) {
    for (int c = range.start; c < range.end; ++c) {
      const cv::Mat plane(rows, cols, CV_32F, const_cast<float*>(output.ptr<float>(0, c)));
      cv::Mat enlarged;
      cv::resize(plane, enlarged, cv::Size(), kStride, kStride, cv::INTER_LANCZOS4);
      const cv::Mat cropped = enlarged(cv::Rect(0, 0, unpadded.width, unpadded.height));
      planes[static_cast<std::size_t>(c)] = resize_plane(cropped, cv::Size(kWorkWidth, kWorkHeight));
    }
  });
  return planes;
}

}  // namespace

std::vector<Peak> find_peaks(const cv::Mat& heatmap, int first_id) {
  CV_Assert(heatmap.type() == CV_32F);
  // The reference accumulates the maps into float64 arrays (body.py's
  // heatmap_avg) and blurs and compares those; in float32 the blur rounds
  // differently and equal neighbours on a plateau, or a value at the
  // threshold, can come out the other way.
  cv::Mat wide;
  heatmap.convertTo(wide, CV_64F);
  cv::Mat blurred;
  cv::GaussianBlur(wide, blurred, cv::Size(25, 25), 3.0, 3.0, cv::BORDER_REFLECT);
  int next_id = first_id;
  std::vector<Peak> peaks;
  const int rows = blurred.rows;
  const int cols = blurred.cols;
  for (int y = 0; y < rows; ++y) {
    const double* row = blurred.ptr<double>(y);
    const double* up = y > 0 ? blurred.ptr<double>(y - 1) : nullptr;
    const double* down = y + 1 < rows ? blurred.ptr<double>(y + 1) : nullptr;
    for (int x = 0; x < cols; ++x) {
      const double value = row[x];
      if (!(value > kPeakThreshold)) continue;
      // Out-of-image neighbours count as 0.
      const double left = x > 0 ? row[x - 1] : 0.0;
      const double right = x + 1 < cols ? row[x + 1] : 0.0;
      const double above = up != nullptr ? up[x] : 0.0;
      const double below = down != nullptr ? down[x] : 0.0;
      if (value >= left && value >= right && value >= above && value >= below) {
        peaks.push_back({cv::Point(x, y), heatmap.at<float>(y, x), next_id++});
      }
    }
  }
  return peaks;
}

namespace {

// numpy.linspace(start, stop, num)[i], including its exact last element.
double linspace(double start, double stop, int count, int index) {
  if (index == count - 1) return stop;
  const double step = (stop - start) / static_cast<double>(count - 1);
  return static_cast<double>(index) * step + start;
}

// Python's round(): halves to even.
int round_half_even(double value) {
  const int previous = std::fegetround();
  std::fesetround(FE_TONEAREST);
  const double rounded = std::nearbyint(value);
  std::fesetround(previous);
  return static_cast<int>(rounded);
}

}  // namespace

std::vector<LimbConnection> connect_limb(int limb_index, const std::vector<Peak>& candidates_a,
                                         const std::vector<Peak>& candidates_b, const PoseMaps& maps) {
  CV_Assert(limb_index >= 0 && limb_index < kLimbCount);
  const Limb& limb = kLimbs[static_cast<std::size_t>(limb_index)];
  struct Candidate {
    std::size_t a;
    std::size_t b;
    double score;
  };
  const cv::Mat& paf_x = maps.paf[static_cast<std::size_t>(limb.paf_x)];
  const cv::Mat& paf_y = maps.paf[static_cast<std::size_t>(limb.paf_y)];
  const double image_height = static_cast<double>(paf_x.rows);
  std::vector<Candidate> candidates;
  for (std::size_t i = 0; i < candidates_a.size(); ++i) {
    for (std::size_t j = 0; j < candidates_b.size(); ++j) {
      const cv::Point a = candidates_a[i].position;
      const cv::Point b = candidates_b[j].position;
      double dx = b.x - a.x;
      double dy = b.y - a.y;
      const double norm = std::max(0.001, std::sqrt(dx * dx + dy * dy));
      dx /= norm;
      dy /= norm;
      double sum = 0.0;
      int above_threshold = 0;
      for (int s = 0; s < kPafSamples; ++s) {
        const int x = round_half_even(linspace(a.x, b.x, kPafSamples, s));
        const int y = round_half_even(linspace(a.y, b.y, kPafSamples, s));
        const double projected =
            static_cast<double>(paf_x.at<float>(y, x)) * dx + static_cast<double>(paf_y.at<float>(y, x)) * dy;
        sum += projected;
        if (projected > kPafThreshold) ++above_threshold;
      }
      const double score = sum / kPafSamples + std::min(0.5 * image_height / norm - 1.0, 0.0);
      if (above_threshold > 0.8 * kPafSamples && score > 0.0) candidates.push_back({i, j, score});
    }
  }
  // Python's sorted(reverse=True) is stable: equal scores keep their order.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& l, const Candidate& r) { return l.score > r.score; });
  std::vector<LimbConnection> connections;
  std::vector<bool> used_a(candidates_a.size(), false);
  std::vector<bool> used_b(candidates_b.size(), false);
  const std::size_t limit = std::min(candidates_a.size(), candidates_b.size());
  for (const Candidate& candidate : candidates) {
    if (used_a[candidate.a] || used_b[candidate.b]) continue;
    used_a[candidate.a] = used_b[candidate.b] = true;
    connections.push_back({candidates_a[candidate.a].id, candidates_b[candidate.b].id, candidate.score});
    if (connections.size() >= limit) break;
  }
  return connections;
}

namespace {

// Peaks addressable by their running id.
std::vector<const Peak*> index_peaks(const std::vector<std::vector<Peak>>& peaks) {
  std::vector<const Peak*> by_id;
  for (const auto& part_peaks : peaks) {
    for (const Peak& peak : part_peaks) by_id.push_back(&peak);
  }
  return by_id;
}

}  // namespace

int Person::assigned_parts() const {
  return static_cast<int>(std::count_if(part_peak.begin(), part_peak.end(), [](int id) { return id >= 0; }));
}

PoseInput pose_input_blob(const cv::Mat& bgr_person) {
  CV_Assert(bgr_person.type() == CV_8UC3);
  cv::Mat work;
  cv::resize(bgr_person, work, cv::Size(kWorkWidth, kWorkHeight), 0, 0, cv::INTER_AREA);
  const cv::Size scaled(static_cast<int>(kWorkWidth * kInputScale), static_cast<int>(kWorkHeight * kInputScale));
  cv::Mat small;
  cv::resize(work, small, scaled, 0, 0, cv::INTER_AREA);
  const int pad_bottom = (kStride - scaled.height % kStride) % kStride;
  const int pad_right = (kStride - scaled.width % kStride) % kStride;
  cv::Mat padded;
  cv::copyMakeBorder(small, padded, 0, pad_bottom, 0, pad_right, cv::BORDER_CONSTANT, cv::Scalar::all(128));

  const std::array<int, 4> shape{1, 3, padded.rows, padded.cols};
  PoseInput input{cv::Mat(4, shape.data(), CV_32F), scaled};
  cv::Mat channels[3];
  cv::split(padded, channels);
  for (int c = 0; c < 3; ++c) {
    cv::Mat plane(padded.rows, padded.cols, CV_32F, input.blob.ptr<float>(0, c));
    channels[c].convertTo(plane, CV_32F, 1.0 / 256.0, -0.5);
  }
  return input;
}

PoseMaps upsample_pose_outputs(const cv::Mat& paf, const cv::Mat& heatmap, cv::Size unpadded) {
  return {upsample_channels(paf, kPafChannels, unpadded), upsample_channels(heatmap, kHeatmapChannels, unpadded)};
}

PoseDetection detect_people(const PoseMaps& maps) {
  CV_Assert(maps.paf.size() == kPafChannels && maps.heatmap.size() == kHeatmapChannels);
  PoseDetection detection;
  detection.peaks.resize(kKeypointCount);
  int next_id = 0;
  for (int part = 0; part < kPartCount; ++part) {
    auto& part_peaks = detection.peaks[static_cast<std::size_t>(part)];
    part_peaks = find_peaks(maps.heatmap[static_cast<std::size_t>(part)], next_id);
    next_id += static_cast<int>(part_peaks.size());
  }
  const std::vector<const Peak*> peak_by_id = index_peaks(detection.peaks);
  auto peak_score = [&](int id) { return static_cast<double>(peak_by_id[static_cast<std::size_t>(id)]->score); };

  std::vector<Person>& people = detection.people;
  for (std::size_t k = 0; k < kLimbs.size(); ++k) {
    const Limb& limb = kLimbs[k];
    const auto& peaks_a = detection.peaks[static_cast<std::size_t>(limb.part_a)];
    const auto& peaks_b = detection.peaks[static_cast<std::size_t>(limb.part_b)];
    if (peaks_a.empty() || peaks_b.empty()) continue;
    const std::size_t a = static_cast<std::size_t>(limb.part_a);
    const std::size_t b = static_cast<std::size_t>(limb.part_b);
    for (const LimbConnection& connection : connect_limb(static_cast<int>(k), peaks_a, peaks_b, maps)) {
      // The reference keeps at most two matching people (a third would crash it).
      std::array<std::size_t, 2> found_index{};
      int found = 0;
      for (std::size_t j = 0; j < people.size() && found < 2; ++j) {
        if (people[j].part_peak[a] == connection.peak_a || people[j].part_peak[b] == connection.peak_b) {
          found_index[static_cast<std::size_t>(found++)] = j;
        }
      }
      if (found == 1) {
        Person& person = people[found_index[0]];
        if (person.part_peak[b] != connection.peak_b) {
          person.part_peak[b] = connection.peak_b;
          person.part_count += 1.0;
          person.score += peak_score(connection.peak_b) + connection.score;
        }
      } else if (found == 2) {
        Person& first = people[found_index[0]];
        Person& second = people[found_index[1]];
        bool share_part = false;
        for (std::size_t p = 0; p < kKeypointCount; ++p) {
          share_part = share_part || (first.part_peak[p] >= 0 && second.part_peak[p] >= 0);
        }
        if (!share_part) {
          // Merge: the reference adds (id + 1) to the -1 of an unassigned part.
          for (std::size_t p = 0; p < kKeypointCount; ++p) first.part_peak[p] += second.part_peak[p] + 1;
          first.part_count += second.part_count;
          // In body.py's order: the two totals first, then the connection.
          first.score += second.score;
          first.score += connection.score;
          people.erase(people.begin() + static_cast<std::ptrdiff_t>(found_index[1]));
        } else {
          first.part_peak[b] = connection.peak_b;
          first.part_count += 1.0;
          first.score += peak_score(connection.peak_b) + connection.score;
        }
      } else if (k < kLimbsStartingPeople) {
        Person person;
        person.part_peak.assign(kKeypointCount, -1);
        person.part_peak[a] = connection.peak_a;
        person.part_peak[b] = connection.peak_b;
        person.part_count = 2.0;
        person.score = peak_score(connection.peak_a) + peak_score(connection.peak_b) + connection.score;
        people.push_back(std::move(person));
      }
    }
  }
  std::erase_if(people,
                [](const Person& person) { return person.part_count < 4.0 || person.score / person.part_count < 0.4; });
  return detection;
}

PoseResult choose_person(const PoseDetection& detection) {
  if (detection.people.empty()) throw InputError("no person detected");
  const auto best =
      std::max_element(detection.people.begin(), detection.people.end(), [](const Person& l, const Person& r) {
        const int lp = l.assigned_parts();
        const int rp = r.assigned_parts();
        return lp != rp ? lp < rp : l.score < r.score;
      });
  const std::vector<const Peak*> peak_by_id = index_peaks(detection.peaks);
  PoseResult result;
  result.people_found = static_cast<int>(detection.people.size());
  for (std::size_t p = 0; p < kKeypointCount; ++p) {
    const int id = best->part_peak[p];
    if (id >= 0 && static_cast<std::size_t>(id) < peak_by_id.size()) {
      const cv::Point position = peak_by_id[static_cast<std::size_t>(id)]->position;
      result.keypoints[p] = cv::Point2f(static_cast<float>(position.x), static_cast<float>(position.y));
      result.scores[p] = peak_by_id[static_cast<std::size_t>(id)]->score;
    }
  }
  if (result.people_found > 1) {
    result.warnings.push_back(std::to_string(result.people_found) +
                              " people detected; using the one with the most body parts (" +
                              std::to_string(best->assigned_parts()) + " of 18)");
  }
  return result;
}

}  // namespace mc::core

// Differential tests of the pose steps (src/core/pose.cpp) against
// tests/oracle/oracle.py, which runs OpenPose's body.py logic line by line with
// numpy and OpenCV: input preparation, the x8 upsampling, peaks, limb
// scoring and greedy matching, the person assembly, the chosen keypoints.
//
// MC_ORACLE_POSE_SCENES sets the number of random scenes of each kind
// (default 50; the ASan preset uses 12), MC_ORACLE_SEED the Python service.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/keypoints.hpp"
#include "core/labels.hpp"
#include "core/pose.hpp"
#include "oracle/oracle_support.hpp"

namespace {

using json = nlohmann::json;
using namespace mc;
using oracle_support::env_int;
using oracle_support::run_oracle;
using oracle_support::Scratch;
using oracle_support::seeded_rng;

constexpr int kPlanes = core::kPafChannels + core::kHeatmapChannels;
// The network output of the 144 x 184 input: 18 x 23 cells; the scaled image is 138 x 184.
const cv::Size kUnpadded(138, 184);
constexpr int kCellRows = 23;
constexpr int kCellCols = 18;

// Limbs as docs/algorithm.md section 3 step 5 lists them, 0-based parts and PAF channels.
constexpr std::array<std::array<int, 4>, core::kLimbCount> kLimbs = {{
    {1, 2, 12, 13},  {1, 5, 20, 21},   {2, 3, 14, 15},  {3, 4, 16, 17},  {5, 6, 22, 23},
    {6, 7, 24, 25},  {1, 8, 0, 1},     {8, 9, 2, 3},    {9, 10, 4, 5},   {1, 11, 6, 7},
    {11, 12, 8, 9},  {12, 13, 10, 11}, {1, 0, 28, 29},  {0, 14, 30, 31}, {14, 16, 34, 35},
    {0, 15, 32, 33}, {15, 17, 36, 37}, {2, 16, 18, 19}, {5, 17, 26, 27},
}};

// A standing person in 384 x 512 pixels, OpenPose order, about 300 px tall.
constexpr std::array<std::array<float, 2>, core::kKeypointCount> kTemplate = {{
    {0, -130},
    {0, -95},
    {-35, -95},
    {-50, -45},
    {-55, 5},
    {35, -95},
    {50, -45},
    {55, 5},
    {-20, 10},
    {-22, 80},
    {-24, 150},
    {20, 10},
    {22, 80},
    {24, 150},
    {-8, -138},
    {8, -138},
    {-18, -132},
    {18, -132},
}};

void write_floats(const std::string& path, const float* data, std::size_t count) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(float)));
}

std::vector<float> read_floats(const std::string& path, std::size_t count) {
  std::vector<float> values(count);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(float)));
  if (!in) throw std::runtime_error("cannot read " + path);
  return values;
}

cv::Mat plane_of(cv::Mat& blob, int channel) {
  return {blob.size[2], blob.size[3], CV_32F, blob.ptr<float>(0, channel)};
}

// A random person: the template scaled, shifted and jittered, some parts missing.
using Body = std::array<cv::Point2f, core::kKeypointCount>;
struct Person {
  Body points{};
  std::array<bool, core::kKeypointCount> present{};
};

Person random_person(std::mt19937& rng, float missing_chance) {
  std::uniform_real_distribution<float> unit(0.0F, 1.0F);
  const float scale = 0.35F + 1.1F * unit(rng);
  const cv::Point2f centre(-20.0F + 424.0F * unit(rng), 60.0F + 400.0F * unit(rng));
  std::normal_distribution<float> jitter(0.0F, 6.0F * scale);
  Person person;
  for (std::size_t p = 0; p < core::kKeypointCount; ++p) {
    person.points[p] =
        centre + scale * cv::Point2f(kTemplate[p][0], kTemplate[p][1]) + cv::Point2f(jitter(rng), jitter(rng));
    person.present[p] = unit(rng) >= missing_chance;
  }
  return person;
}

// Network outputs ([1, 38, 23, 18] and [1, 19, 23, 18]) of people drawn at cell
// resolution: a Gaussian per present part, unit vectors in a band along each
// limb, noise, stray blobs; heatmaps through the ReLU the users' network has.
struct NetworkOutputs {
  cv::Mat paf;
  cv::Mat heatmap;
};

cv::Point2f to_cell(cv::Point2f pixel) {
  // Inverse of x8 (cell centre at 8c + 3.5) and 138 -> 384 (half-pixel centres).
  const auto axis = [](float v, float in, float out) { return (((v + 0.5F) * in / out - 0.5F) - 3.5F) / 8.0F; };
  return {axis(pixel.x, 138.0F, 384.0F), axis(pixel.y, 184.0F, 512.0F)};
}

NetworkOutputs random_outputs(std::mt19937& rng) {
  std::uniform_real_distribution<float> unit(0.0F, 1.0F);
  const std::array<int, 4> paf_shape{1, core::kPafChannels, kCellRows, kCellCols};
  const std::array<int, 4> heat_shape{1, core::kHeatmapChannels, kCellRows, kCellCols};
  NetworkOutputs out{cv::Mat(4, paf_shape.data(), CV_32F, cv::Scalar(0)),
                     cv::Mat(4, heat_shape.data(), CV_32F, cv::Scalar(0))};
  const int people = std::uniform_int_distribution<int>(0, 4)(rng);
  for (int n = 0; n < people; ++n) {
    const Person person = random_person(rng, 0.15F);
    const float sigma = 0.6F + unit(rng);
    for (std::size_t p = 0; p < core::kKeypointCount; ++p) {
      if (!person.present[p]) continue;
      const cv::Point2f c = to_cell(person.points[p]);
      const float amplitude = 0.15F + unit(rng);
      cv::Mat plane = plane_of(out.heatmap, static_cast<int>(p));
      for (int y = 0; y < kCellRows; ++y) {
        for (int x = 0; x < kCellCols; ++x) {
          const float d2 = (static_cast<float>(x) - c.x) * (static_cast<float>(x) - c.x) +
                           (static_cast<float>(y) - c.y) * (static_cast<float>(y) - c.y);
          plane.at<float>(y, x) += amplitude * std::exp(-d2 / (2.0F * sigma * sigma));
        }
      }
    }
    for (const auto& limb : kLimbs) {
      const auto a = static_cast<std::size_t>(limb[0]);
      const auto b = static_cast<std::size_t>(limb[1]);
      if (!person.present[a] || !person.present[b]) continue;
      const cv::Point2f pa = to_cell(person.points[a]);
      const cv::Point2f pb = to_cell(person.points[b]);
      const cv::Point2f d = pb - pa;
      const float length = std::max(1e-3F, std::sqrt(d.dot(d)));
      const cv::Point2f u = d / length;
      const float width = 0.5F + unit(rng);
      const float magnitude = unit(rng) < 0.15F ? -0.5F : 0.3F + 0.8F * unit(rng);  // some point backwards
      cv::Mat px = plane_of(out.paf, limb[2]);
      cv::Mat py = plane_of(out.paf, limb[3]);
      for (int y = 0; y < kCellRows; ++y) {
        for (int x = 0; x < kCellCols; ++x) {
          const cv::Point2f v = cv::Point2f(static_cast<float>(x), static_cast<float>(y)) - pa;
          const float along = v.dot(u);
          const float across = std::abs(v.x * u.y - v.y * u.x);
          if (along < -width || along > length + width || across > width) continue;
          px.at<float>(y, x) = magnitude * u.x;
          py.at<float>(y, x) = magnitude * u.y;
        }
      }
    }
  }
  // Stray blobs, noise; the heatmaps are non-negative.
  const int strays = std::uniform_int_distribution<int>(0, 6)(rng);
  for (int s = 0; s < strays; ++s) {
    cv::Mat plane = plane_of(out.heatmap, std::uniform_int_distribution<int>(0, 17)(rng));
    plane.at<float>(std::uniform_int_distribution<int>(0, kCellRows - 1)(rng),
                    std::uniform_int_distribution<int>(0, kCellCols - 1)(rng)) += 0.2F + unit(rng);
  }
  const float noise = 0.05F * unit(rng);
  for (int c = 0; c < core::kPafChannels; ++c) {
    cv::Mat plane = plane_of(out.paf, c);
    cv::Mat n(plane.size(), CV_32F);
    cv::randn(n, 0.0, static_cast<double>(noise));
    plane += n;
  }
  for (int c = 0; c < core::kHeatmapChannels; ++c) {
    cv::Mat plane = plane_of(out.heatmap, c);
    cv::Mat n(plane.size(), CV_32F);
    cv::randn(n, 0.0, static_cast<double>(noise));
    plane += n;
    cv::max(plane, 0.0, plane);
  }
  return out;
}

// Full-resolution maps built directly, for what the network's smooth outputs
// rarely give: plateaus (exact ties between neighbours), single-pixel spikes,
// parts on the image edge and corners, two parts on one pixel, translated
// copies of a person (exactly equal limb scores), constant PAF fields,
// limbs longer than half the image (negative distance prior), broken bands.
core::PoseMaps random_full_maps(std::mt19937& rng) {
  std::uniform_real_distribution<float> unit(0.0F, 1.0F);
  core::PoseMaps maps;
  for (int c = 0; c < core::kPafChannels; ++c)
    maps.paf.emplace_back(cv::Mat::zeros(core::kWorkHeight, core::kWorkWidth, CV_32F));
  for (int c = 0; c < core::kHeatmapChannels; ++c) {
    maps.heatmap.emplace_back(cv::Mat::zeros(core::kWorkHeight, core::kWorkWidth, CV_32F));
  }
  const auto clamp_point = [](cv::Point2f p) {
    return cv::Point(std::clamp(static_cast<int>(std::lround(p.x)), 0, core::kWorkWidth - 1),
                     std::clamp(static_cast<int>(std::lround(p.y)), 0, core::kWorkHeight - 1));
  };
  std::vector<std::pair<Body, std::array<bool, core::kKeypointCount>>> people;
  const int count = std::uniform_int_distribution<int>(1, 5)(rng);
  for (int n = 0; n < count; ++n) {
    if (n > 0 && unit(rng) < 0.3F) {
      // A translated copy of the previous person: equal limb scores.
      auto copy = people.back();
      const cv::Point2f shift(std::round(-150.0F + 300.0F * unit(rng)), std::round(-60.0F + 120.0F * unit(rng)));
      for (auto& p : copy.first) p += shift;
      people.push_back(copy);
      continue;
    }
    Person person = random_person(rng, 0.2F);
    for (std::size_t p = 0; p < core::kKeypointCount; ++p) {
      const float roll = unit(rng);
      if (roll < 0.04F)
        person.points[p].x = 0.0F;
      else if (roll < 0.08F)
        person.points[p].x = static_cast<float>(core::kWorkWidth - 1);
      else if (roll < 0.11F)
        person.points[p].y = 0.0F;
      else if (roll < 0.14F)
        person.points[p].y = static_cast<float>(core::kWorkHeight - 1);
      else if (roll < 0.16F && p > 0)
        person.points[p] = person.points[p - 1];  // two parts on one pixel
    }
    if (unit(rng) < 0.1F) person.points[4] = person.points[3] + 3.0F * (person.points[4] - person.points[3]);
    people.emplace_back(person.points, person.present);
  }
  for (const auto& [points, present] : people) {
    for (std::size_t p = 0; p < core::kKeypointCount; ++p) {
      if (!present[p]) continue;
      cv::Mat& plane = maps.heatmap[p];
      const cv::Point c = clamp_point(points[p]);
      const int kind = std::uniform_int_distribution<int>(0, 5)(rng);
      const float amplitude = 0.12F + 1.3F * unit(rng);
      if (kind == 0) {  // single-pixel spike
        plane.at<float>(c) += 4.0F + 16.0F * unit(rng);
      } else if (kind == 1) {  // plateau, 1..6 wide: ties after the blur
        const cv::Rect box(
            c, cv::Size(std::uniform_int_distribution<int>(1, 6)(rng), std::uniform_int_distribution<int>(1, 6)(rng)));
        plane(box & cv::Rect(0, 0, plane.cols, plane.rows))
            .setTo(cv::Scalar(1.0 + 4.0 * static_cast<double>(unit(rng))));
      } else {  // Gaussian, centred on a pixel or between two
        const float sigma = 1.5F + 5.0F * unit(rng);
        const cv::Point2f centre = cv::Point2f(c) + (kind == 2 ? cv::Point2f(0.5F, 0.0F) : cv::Point2f(0.0F, 0.0F));
        const int r = static_cast<int>(std::ceil(3.0F * sigma));
        for (int y = std::max(0, c.y - r); y <= std::min(plane.rows - 1, c.y + r); ++y) {
          for (int x = std::max(0, c.x - r); x <= std::min(plane.cols - 1, c.x + r); ++x) {
            const float dx = static_cast<float>(x) - centre.x;
            const float dy = static_cast<float>(y) - centre.y;
            plane.at<float>(y, x) += amplitude * std::exp(-(dx * dx + dy * dy) / (2.0F * sigma * sigma));
          }
        }
      }
    }
    for (const auto& limb : kLimbs) {
      const auto a = static_cast<std::size_t>(limb[0]);
      const auto b = static_cast<std::size_t>(limb[1]);
      if (!present[a] || !present[b]) continue;
      const cv::Point2f pa(clamp_point(points[a]));
      const cv::Point2f pb(clamp_point(points[b]));
      const cv::Point2f d = pb - pa;
      const float length = std::sqrt(d.dot(d));
      if (length < 1.0F) continue;
      const cv::Point2f u = d / length;
      const float width = 1.0F + 6.0F * unit(rng);
      const float magnitude = unit(rng) < 0.1F ? -1.0F : 0.2F + 0.8F * unit(rng);
      const float broken_from = unit(rng) < 0.15F ? unit(rng) : 2.0F;  // a band that stops part way
      const cv::Rect box =
          cv::Rect(cv::Point(cv::Point2f(std::min(pa.x, pb.x), std::min(pa.y, pb.y)) - cv::Point2f(width, width)),
                   cv::Point(cv::Point2f(std::max(pa.x, pb.x), std::max(pa.y, pb.y)) +
                             cv::Point2f(width + 1.0F, width + 1.0F))) &
          cv::Rect(0, 0, core::kWorkWidth, core::kWorkHeight);
      for (int y = box.y; y < box.y + box.height; ++y) {
        for (int x = box.x; x < box.x + box.width; ++x) {
          const cv::Point2f v = cv::Point2f(static_cast<float>(x), static_cast<float>(y)) - pa;
          const float along = v.dot(u);
          if (along < -width || along > length + width || std::abs(v.x * u.y - v.y * u.x) > width) continue;
          if (along > broken_from * length) continue;
          maps.paf[static_cast<std::size_t>(limb[2])].at<float>(y, x) = magnitude * u.x;
          maps.paf[static_cast<std::size_t>(limb[3])].at<float>(y, x) = magnitude * u.y;
        }
      }
    }
  }
  if (unit(rng) < 0.25F) {  // a constant field over one limb's channels: many equal scores
    const auto& limb = kLimbs[std::uniform_int_distribution<std::size_t>(0, kLimbs.size() - 1)(rng)];
    const float angle = 6.2831853F * unit(rng);
    maps.paf[static_cast<std::size_t>(limb[2])].setTo(cv::Scalar(std::cos(angle)));
    maps.paf[static_cast<std::size_t>(limb[3])].setTo(cv::Scalar(std::sin(angle)));
  }
  const int strays = std::uniform_int_distribution<int>(0, 8)(rng);
  for (int s = 0; s < strays; ++s) {
    cv::Mat& plane = maps.heatmap[std::uniform_int_distribution<std::size_t>(0, 17)(rng)];
    plane.at<float>(std::uniform_int_distribution<int>(0, plane.rows - 1)(rng),
                    std::uniform_int_distribution<int>(0, plane.cols - 1)(rng)) = 2.0F + 10.0F * unit(rng);
  }
  return maps;
}

// Plane, pixel index and value triples of the non-zero pixels (oracle.py's sparse_maps).
void write_sparse(const std::string& path, const core::PoseMaps& maps) {
  std::vector<std::int32_t> triples;
  for (int c = 0; c < kPlanes; ++c) {
    const cv::Mat& plane = c < core::kPafChannels ? maps.paf[static_cast<std::size_t>(c)]
                                                  : maps.heatmap[static_cast<std::size_t>(c - core::kPafChannels)];
    for (int i = 0; i < static_cast<int>(plane.total()); ++i) {
      const float v = plane.ptr<float>()[i];
      if (v == 0.0F) continue;
      std::int32_t bits = 0;
      std::memcpy(&bits, &v, sizeof bits);
      triples.insert(triples.end(), {c, i, bits});
    }
  }
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(triples.data()),
             static_cast<std::streamsize>(triples.size() * sizeof(std::int32_t)));
}

// Agreement of one step over all cases.
struct Tally {
  int total = 0;
  int identical = 0;
  double max_difference = 0.0;
  std::vector<std::string> differences;

  void add(bool same, double difference, const std::string& what) {
    ++total;
    max_difference = std::max(max_difference, difference);
    if (same) {
      ++identical;
    } else if (differences.size() < 10) {
      differences.push_back(what);
    }
  }
  void report(const std::string& step, bool with_difference = true) const {
    std::cout << "oracle pose " << step << ": " << identical << " of " << total << " identical";
    if (with_difference) std::cout << ", max abs difference " << max_difference;
    std::cout << '\n';
    for (const auto& d : differences) std::cout << "  " << d << '\n';
  }
};

// Everything detect_people and choose_person give, against the oracle's JSON.
struct DetectionTallies {
  Tally peaks;        // per part plane
  Tally connections;  // per limb with candidates on both ends
  Tally people;       // per scene: the filtered people list
  Tally keypoints;    // per scene: the chosen person's keypoints (or nobody on both sides)
  int third_matches = 0;
  int people_total = 0;
  int scenes_with_people = 0;

  void compare(const core::PoseMaps& maps, const json& oracle, const std::string& scene) {
    const core::PoseDetection ours = core::detect_people(maps);
    third_matches += oracle["third_matches"].get<int>();
    bool peaks_same = true;
    for (std::size_t part = 0; part < core::kKeypointCount; ++part) {
      const json& theirs = oracle["peaks"][part];
      const auto& mine = ours.peaks[part];
      bool same = theirs.size() == mine.size();
      double diff = 0.0;
      for (std::size_t i = 0; same && i < mine.size(); ++i) {
        same = theirs[i][0].get<int>() == mine[i].position.x && theirs[i][1].get<int>() == mine[i].position.y &&
               theirs[i][3].get<int>() == mine[i].id;
        diff = std::max(diff, std::abs(theirs[i][2].get<double>() - static_cast<double>(mine[i].score)));
      }
      same = same && diff == 0.0;
      peaks_same = peaks_same && same;
      peaks.add(same, diff,
                scene + " part " + std::to_string(part) + ": " + std::to_string(mine.size()) + " peaks, oracle " +
                    std::to_string(theirs.size()));
    }
    if (!peaks_same) return;  // the later steps would compare different inputs
    for (int k = 0; k < core::kLimbCount; ++k) {
      const auto& a = ours.peaks[static_cast<std::size_t>(kLimbs[static_cast<std::size_t>(k)][0])];
      const auto& b = ours.peaks[static_cast<std::size_t>(kLimbs[static_cast<std::size_t>(k)][1])];
      if (a.empty() || b.empty()) continue;
      const auto mine = core::connect_limb(k, a, b, maps);
      const json& theirs = oracle["connections"][static_cast<std::size_t>(k)];
      bool same = theirs.size() == mine.size();
      double diff = 0.0;
      for (std::size_t i = 0; same && i < mine.size(); ++i) {
        same = theirs[i][0].get<int>() == mine[i].peak_a && theirs[i][1].get<int>() == mine[i].peak_b;
        diff = std::max(diff, std::abs(theirs[i][2].get<double>() - mine[i].score));
      }
      connections.add(same && diff == 0.0, diff,
                      scene + " limb " + std::to_string(k) + ": " + std::to_string(mine.size()) +
                          " connections, oracle " + std::to_string(theirs.size()) + ", score difference " +
                          std::to_string(diff));
    }
    const json& their_people = oracle["people"];
    bool same = their_people.size() == ours.people.size();
    double diff = 0.0;
    for (std::size_t i = 0; same && i < ours.people.size(); ++i) {
      same = their_people[i]["parts"].get<std::vector<int>>() == ours.people[i].part_peak &&
             their_people[i]["count"].get<double>() == ours.people[i].part_count;
      diff = std::max(diff, std::abs(their_people[i]["score"].get<double>() - ours.people[i].score));
    }
    people_total += static_cast<int>(ours.people.size());
    people.add(same && diff == 0.0, diff,
               scene + ": " + std::to_string(ours.people.size()) + " people, oracle " +
                   std::to_string(their_people.size()) + ", score difference " + std::to_string(diff));

    const json& their_keypoints = oracle["keypoints"];
    if (their_keypoints.is_null()) {
      bool nobody = false;
      try {
        (void)core::choose_person(ours);
      } catch (const core::InputError&) {
        nobody = true;
      }
      keypoints.add(nobody, 0.0, scene + ": the oracle finds nobody, we find someone");
      return;
    }
    ++scenes_with_people;
    const core::PoseResult result = core::choose_person(ours);
    double kp_diff = 0.0;
    for (std::size_t p = 0; p < core::kKeypointCount; ++p) {
      kp_diff = std::max(
          {kp_diff,
           std::abs(their_keypoints["points"][p][0].get<double>() - static_cast<double>(result.keypoints[p].x)),
           std::abs(their_keypoints["points"][p][1].get<double>() - static_cast<double>(result.keypoints[p].y))});
    }
    keypoints.add(kp_diff == 0.0, kp_diff, scene + ": keypoints differ by " + std::to_string(kp_diff));
  }

  void report() const {
    peaks.report("peaks (per part map)");
    connections.report("limb connections (per limb)");
    people.report("people after the filter (per scene), score");
    keypoints.report("chosen person's keypoints (per scene)");
    std::cout << "  " << people_total << " people kept, " << scenes_with_people << " scenes with someone, "
              << third_matches << " connections touching a third person\n";
  }
  void expect_all_identical() const {
    EXPECT_EQ(peaks.identical, peaks.total);
    EXPECT_EQ(connections.identical, connections.total);
    EXPECT_EQ(people.identical, people.total);
    EXPECT_EQ(keypoints.identical, keypoints.total);
  }
};

int scene_count() { return env_int("MC_ORACLE_POSE_SCENES", 50); }

TEST(OraclePose, InputBlobMatchesBodyPy) {
  Scratch scratch("pose_input");
  std::mt19937 rng = seeded_rng(20);
  std::vector<cv::Size> sizes = {{768, 1024}, {768, 1024},  {768, 1024}, {384, 512},
                                 {767, 1023}, {1000, 1333}, {97, 61}};
  const int extra = std::max(3, scene_count() / 10);
  for (int i = 0; i < extra; ++i)
    sizes.push_back(i % 2 == 0 ? cv::Size(768, 1024)
                               : cv::Size(std::uniform_int_distribution<int>(40, 1200)(rng),
                                          std::uniform_int_distribution<int>(40, 1200)(rng)));
  cv::theRNG().state = static_cast<std::uint64_t>(env_int("MC_ORACLE_SEED", 20240610)) + 21;
  json jobs = json::array();
  std::vector<cv::Mat> images;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    cv::Mat bgr(sizes[i], CV_8UC3);
    cv::randu(bgr, 0, 256);
    if (i % 3 != 2) cv::GaussianBlur(bgr, bgr, {0, 0}, 2.0);  // photo-like; every third stays raw noise
    images.push_back(bgr);
    const std::string id = std::to_string(i);
    if (!cv::imwrite(scratch.file("in" + id + ".png"), bgr)) throw std::runtime_error("cannot write png");
    jobs.push_back(
        {{"kind", "pose_input"}, {"in", scratch.file("in" + id + ".png")}, {"out", scratch.file("out" + id + ".f32")}});
  }
  run_oracle(scratch, jobs);
  Tally tally;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const core::PoseInput input = core::pose_input_blob(images[i]);
    ASSERT_EQ(input.blob.dims, 4);
    EXPECT_EQ(input.unpadded, kUnpadded);
    EXPECT_EQ(input.blob.size[2], 184);
    EXPECT_EQ(input.blob.size[3], 144);
    const auto theirs = read_floats(scratch.file("out" + std::to_string(i) + ".f32"), input.blob.total());
    const cv::Mat a(1, static_cast<int>(input.blob.total()), CV_32F, const_cast<float*>(input.blob.ptr<float>()));
    const cv::Mat b(1, static_cast<int>(theirs.size()), CV_32F, const_cast<float*>(theirs.data()));
    const double diff = cv::norm(a, b, cv::NORM_INF);
    std::ostringstream what;
    what << sizes[i] << ": max difference " << diff;
    tally.add(diff == 0.0, diff, what.str());
  }
  tally.report("input blob (384 x 512 area, x0.359375 area, pad 128, /256 - 0.5)");
  EXPECT_EQ(tally.identical, tally.total);
}

// Writes one case's network outputs for the oracle and returns the job that
// names them; callers add where the oracle writes its answer.
json outputs_job(const Scratch& scratch, const std::string& kind, const std::string& id,
                 const NetworkOutputs& outputs) {
  write_floats(scratch.file("paf" + id + ".f32"), outputs.paf.ptr<float>(), outputs.paf.total());
  write_floats(scratch.file("heat" + id + ".f32"), outputs.heatmap.ptr<float>(), outputs.heatmap.total());
  return {{"kind", kind},
          {"paf", scratch.file("paf" + id + ".f32")},
          {"paf_shape", {1, core::kPafChannels, kCellRows, kCellCols}},
          {"heatmap", scratch.file("heat" + id + ".f32")},
          {"heatmap_shape", {1, core::kHeatmapChannels, kCellRows, kCellCols}},
          {"unpadded", {kUnpadded.width, kUnpadded.height}}};
}

TEST(OraclePose, UpsamplingMatchesBodyPy) {
  Scratch scratch("pose_upsample");
  std::mt19937 rng = seeded_rng(22);
  const int cases = std::max(2, scene_count() / 25);
  json jobs = json::array();
  std::vector<NetworkOutputs> outputs;
  for (int i = 0; i < cases; ++i) {
    outputs.push_back(random_outputs(rng));
    const std::string id = std::to_string(i);
    json job = outputs_job(scratch, "pose_upsample", id, outputs.back());
    job["paf_out"] = scratch.file("paf_up" + id + ".f32");
    job["heatmap_out"] = scratch.file("heat_up" + id + ".f32");
    jobs.push_back(std::move(job));
  }
  run_oracle(scratch, jobs);
  Tally tally;
  const std::size_t plane_size = static_cast<std::size_t>(core::kWorkWidth) * core::kWorkHeight;
  for (int i = 0; i < cases; ++i) {
    const std::string id = std::to_string(i);
    const core::PoseMaps ours = core::upsample_pose_outputs(outputs[static_cast<std::size_t>(i)].paf,
                                                            outputs[static_cast<std::size_t>(i)].heatmap, kUnpadded);
    const auto paf = read_floats(scratch.file("paf_up" + id + ".f32"), core::kPafChannels * plane_size);
    const auto heat = read_floats(scratch.file("heat_up" + id + ".f32"), core::kHeatmapChannels * plane_size);
    for (int c = 0; c < kPlanes; ++c) {
      const bool is_paf = c < core::kPafChannels;
      const cv::Mat& mine = is_paf ? ours.paf[static_cast<std::size_t>(c)]
                                   : ours.heatmap[static_cast<std::size_t>(c - core::kPafChannels)];
      const float* data = is_paf ? paf.data() + static_cast<std::size_t>(c) * plane_size
                                 : heat.data() + static_cast<std::size_t>(c - core::kPafChannels) * plane_size;
      ASSERT_EQ(mine.size(), cv::Size(core::kWorkWidth, core::kWorkHeight));
      const cv::Mat theirs(core::kWorkHeight, core::kWorkWidth, CV_32F, const_cast<float*>(data));
      const double diff = cv::norm(mine, theirs, cv::NORM_INF);
      tally.add(diff == 0.0, diff,
                "case " + id + " plane " + std::to_string(c) + ": max difference " + std::to_string(diff));
    }
  }
  tally.report("upsampled planes (x8 Lanczos-4, crop, Lanczos-4 to 384 x 512)");
  EXPECT_EQ(tally.identical, tally.total);
}

TEST(OraclePose, DetectionFromNetworkOutputsMatchesBodyPy) {
  Scratch scratch("pose_network");
  std::mt19937 rng = seeded_rng(23);
  const int cases = scene_count();
  json jobs = json::array();
  std::vector<NetworkOutputs> outputs;
  for (int i = 0; i < cases; ++i) {
    outputs.push_back(random_outputs(rng));
    const std::string id = std::to_string(i);
    json job = outputs_job(scratch, "pose_detect", id, outputs.back());
    job["out"] = scratch.file("out" + id + ".json");
    jobs.push_back(std::move(job));
  }
  run_oracle(scratch, jobs);
  DetectionTallies tallies;
  for (int i = 0; i < cases; ++i) {
    const auto& out = outputs[static_cast<std::size_t>(i)];
    const core::PoseMaps maps = core::upsample_pose_outputs(out.paf, out.heatmap, kUnpadded);
    tallies.compare(maps, json::parse(std::ifstream(scratch.file("out" + std::to_string(i) + ".json"))),
                    "scene " + std::to_string(i));
  }
  std::cout << "oracle pose, " << cases << " scenes from random network outputs:\n";
  tallies.report();
  tallies.expect_all_identical();
}

TEST(OraclePose, DetectionFromFullResolutionMapsMatchesBodyPy) {
  Scratch scratch("pose_full");
  std::mt19937 rng = seeded_rng(24);
  const int cases = scene_count();
  json jobs = json::array();
  std::vector<core::PoseMaps> scenes;
  for (int i = 0; i < cases; ++i) {
    scenes.push_back(random_full_maps(rng));
    const std::string id = std::to_string(i);
    write_sparse(scratch.file("maps" + id + ".i32"), scenes.back());
    jobs.push_back({{"kind", "pose_detect"},
                    {"sparse", scratch.file("maps" + id + ".i32")},
                    {"out", scratch.file("out" + id + ".json")}});
  }
  run_oracle(scratch, jobs);
  DetectionTallies tallies;
  for (int i = 0; i < cases; ++i) {
    tallies.compare(scenes[static_cast<std::size_t>(i)],
                    json::parse(std::ifstream(scratch.file("out" + std::to_string(i) + ".json"))),
                    "scene " + std::to_string(i));
  }
  std::cout << "oracle pose, " << cases
            << " full-resolution scenes (plateaus, spikes, edges, copies, constant fields):\n";
  tallies.report();
  tallies.expect_all_identical();
}

}  // namespace

// docs/algorithm.md section 3: pose pre-processing, peaks, limbs, people and the choice of person.
#include <gtest/gtest.h>

#include <optional>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/labels.hpp"
#include "core/pose.hpp"

namespace {

using namespace mc::core;

// The limbs of docs/algorithm.md section 3 step 5 (0-based parts) and their PAF channels.
struct LimbChannels {
  int a, b, x, y;
};
const std::vector<LimbChannels> kLimbs = {{1, 2, 12, 13},   {1, 5, 20, 21},  {2, 3, 14, 15},   {3, 4, 16, 17},
                                          {5, 6, 22, 23},   {6, 7, 24, 25},  {1, 8, 0, 1},     {8, 9, 2, 3},
                                          {9, 10, 4, 5},    {1, 11, 6, 7},   {11, 12, 8, 9},   {12, 13, 10, 11},
                                          {1, 0, 28, 29},   {0, 14, 30, 31}, {14, 16, 34, 35}, {0, 15, 32, 33},
                                          {15, 17, 36, 37}, {2, 16, 18, 19}, {5, 17, 26, 27}};

using Person18 = std::array<std::optional<cv::Point>, 18>;

Person18 standing_person(cv::Point offset = {0, 0}, double scale = 1.0) {
  const std::array<cv::Point, 18> base = {{{192, 80},
                                           {192, 128},
                                           {145, 150},
                                           {111, 220},
                                           {95, 295},
                                           {239, 150},
                                           {273, 220},
                                           {289, 295},
                                           {163, 290},
                                           {163, 370},
                                           {163, 468},
                                           {221, 290},
                                           {221, 370},
                                           {221, 468},
                                           {180, 70},
                                           {204, 70},
                                           {165, 76},
                                           {219, 76}}};
  Person18 person;
  for (std::size_t i = 0; i < 18; ++i) {
    person[i] =
        cv::Point(static_cast<int>(base[i].x * scale) + offset.x, static_cast<int>(base[i].y * scale) + offset.y);
  }
  return person;
}

// Network-like maps at 384 x 512: a Gaussian peak per part, unit vectors along each limb.
PoseMaps draw_maps(const std::vector<Person18>& people) {
  PoseMaps maps;
  for (int c = 0; c < kPafChannels; ++c) maps.paf.emplace_back(kWorkHeight, kWorkWidth, CV_32F, cv::Scalar(0));
  for (int c = 0; c < kHeatmapChannels; ++c) maps.heatmap.emplace_back(kWorkHeight, kWorkWidth, CV_32F, cv::Scalar(0));
  for (const auto& person : people) {
    for (std::size_t part = 0; part < 18; ++part) {
      if (!person[part]) continue;
      cv::Mat spot(kWorkHeight, kWorkWidth, CV_32F, cv::Scalar(0));
      spot.at<float>(*person[part]) = 1.0f;
      cv::GaussianBlur(spot, spot, {0, 0}, 6.0);
      double peak = 0;
      cv::minMaxLoc(spot, nullptr, &peak);
      maps.heatmap[part] = cv::max(maps.heatmap[part], spot / peak);
    }
    for (const auto& limb : kLimbs) {
      const auto& a = person[static_cast<std::size_t>(limb.a)];
      const auto& b = person[static_cast<std::size_t>(limb.b)];
      if (!a || !b) continue;
      const cv::Point2f d = cv::Point2f(*b - *a) / static_cast<float>(cv::norm(*b - *a));
      cv::Mat band(kWorkHeight, kWorkWidth, CV_8U, cv::Scalar(0));
      cv::line(band, *a, *b, 255, 9);
      maps.paf[static_cast<std::size_t>(limb.x)].setTo(d.x, band);
      maps.paf[static_cast<std::size_t>(limb.y)].setTo(d.y, band);
    }
  }
  return maps;
}

void expect_keypoints(const Keypoints& got, const Person18& expected) {
  for (std::size_t i = 0; i < 18; ++i) {
    const cv::Point2f want = expected[i] ? cv::Point2f(*expected[i]) : cv::Point2f(0, 0);
    EXPECT_LE(cv::norm(got[i] - want), 1.0) << "part " << i << " at " << got[i] << ", expected " << want;
  }
}

TEST(PoseInput, ScalesPadsAndCentresPixelValues) {
  const cv::Mat person(1024, 768, CV_8UC3, cv::Scalar(192, 64, 0));
  const PoseInput input = pose_input_blob(person);
  EXPECT_EQ(input.unpadded, cv::Size(138, 184));
  ASSERT_EQ(input.blob.dims, 4);
  EXPECT_EQ(input.blob.size[2], 184);
  EXPECT_EQ(input.blob.size[3], 144);                                                // padded to a multiple of 8
  EXPECT_FLOAT_EQ(input.blob.ptr<float>(0, 0)[10 * 144 + 10], 192 / 256.0f - 0.5f);  // B first
  EXPECT_FLOAT_EQ(input.blob.ptr<float>(0, 2)[10 * 144 + 10], -0.5f);
  EXPECT_FLOAT_EQ(input.blob.ptr<float>(0, 1)[10 * 144 + 141], 0.0f) << "padding is 128";
}

TEST(PoseOutputs, AreBroughtTo384By512) {
  const std::array<int, 4> paf_shape{1, kPafChannels, 23, 18};
  const std::array<int, 4> heat_shape{1, kHeatmapChannels, 23, 18};
  const cv::Mat paf(4, paf_shape.data(), CV_32F, cv::Scalar(0.25));
  const cv::Mat heat(4, heat_shape.data(), CV_32F, cv::Scalar(0.5));
  const PoseMaps maps = upsample_pose_outputs(paf, heat, {138, 184});
  ASSERT_EQ(maps.paf.size(), 38U);
  ASSERT_EQ(maps.heatmap.size(), 19U);
  EXPECT_EQ(maps.heatmap[0].size(), cv::Size(384, 512));
  EXPECT_NEAR(maps.heatmap[7].at<float>(300, 200), 0.5f, 1e-4);
  EXPECT_NEAR(maps.paf[37].at<float>(10, 10), 0.25f, 1e-4);
}

TEST(PoseDecoding, RecoversOnePerson) {
  const Person18 person = standing_person();
  const PoseDetection detection = detect_people(draw_maps({person}));
  ASSERT_EQ(detection.people.size(), 1U);
  EXPECT_EQ(detection.people[0].assigned_parts(), 18);
  const PoseResult result = choose_person(detection);
  EXPECT_EQ(result.people_found, 1);
  EXPECT_TRUE(result.warnings.empty());
  expect_keypoints(result.keypoints, person);
}

TEST(PoseDecoding, AMissingPartIsZero) {
  Person18 person = standing_person();
  person[kLeftWrist].reset();
  person[kRightEar].reset();
  const PoseResult result = choose_person(detect_people(draw_maps({person})));
  expect_keypoints(result.keypoints, person);
  EXPECT_EQ(result.keypoints[kLeftWrist], cv::Point2f(0, 0));
}

TEST(PoseDecoding, ChoosesThePersonWithTheMostPartsAndWarns) {
  Person18 small = standing_person({250, 0}, 0.3);
  for (std::size_t part : {8U, 9U, 10U, 11U, 12U, 13U, 16U, 17U, 4U, 7U}) small[part].reset();  // 8 parts left
  const Person18 full = standing_person();
  for (const auto& people : {std::vector<Person18>{small, full}, std::vector<Person18>{full, small}}) {
    const PoseDetection detection = detect_people(draw_maps(people));
    ASSERT_EQ(detection.people.size(), 2U);
    const PoseResult result = choose_person(detection);
    EXPECT_EQ(result.people_found, 2);
    ASSERT_EQ(result.warnings.size(), 1U);
    EXPECT_EQ(result.warnings[0], "2 people detected; using the one with the most body parts (18 of 18)");
    expect_keypoints(result.keypoints, full);
  }
}

TEST(PoseDecoding, NobodyIsAClearError) {
  const PoseDetection empty = detect_people(draw_maps({}));
  EXPECT_TRUE(empty.people.empty());
  try {
    choose_person(empty);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "no person detected");
  }
}

TEST(PoseDecoding, DropsPeopleWithFewerThanFourParts) {
  Person18 fragment;
  fragment[kNeckPoint] = cv::Point(100, 100);
  fragment[kRightShoulder] = cv::Point(70, 110);
  fragment[kRightElbow] = cv::Point(60, 170);
  EXPECT_TRUE(detect_people(draw_maps({fragment})).people.empty());
}

TEST(PoseDecoding, WeakPeaksAreNotParts) {
  PoseMaps maps = draw_maps({standing_person()});
  maps.heatmap[kNose] *= 0.09;  // below the 0.1 peak threshold
  const PoseDetection detection = detect_people(maps);
  EXPECT_TRUE(detection.peaks[kNose].empty());
  EXPECT_EQ(choose_person(detection).keypoints[kNose], cv::Point2f(0, 0));
}

}  // namespace

#include "oracle/random_figure.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include <opencv2/imgproc.hpp>

#include "core/labels.hpp"

namespace mc::test_support {

using namespace mc::core;

namespace {

class Dice {
 public:
  explicit Dice(std::mt19937& rng) : rng_(rng) {}
  double uniform(double low, double high) { return std::uniform_real_distribution<double>(low, high)(rng_); }
  int integer(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  bool chance(double p) { return uniform(0.0, 1.0) < p; }

 private:
  std::mt19937& rng_;
};

cv::Point2d towards(cv::Point2d from, double degrees_from_down, double length) {
  const double radians = degrees_from_down * std::numbers::pi / 180.0;
  return from + cv::Point2d(std::sin(radians), std::cos(radians)) * length;
}

cv::Point pixel(cv::Point2d p) { return {static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y))}; }

void fill_quad(cv::Mat& parse, std::array<cv::Point2d, 4> corners, int label) {
  std::array<cv::Point, 4> points{};
  for (std::size_t i = 0; i < 4; ++i) points[i] = pixel(corners[i]);
  cv::fillConvexPoly(parse, points.data(), 4, cv::Scalar(label));
}

}  // namespace

RandomFigure random_figure(std::mt19937& rng, int index) {
  Dice dice(rng);
  RandomFigure figure;
  figure.parse = cv::Mat::zeros(kImageHeight, kImageWidth, CV_8UC1);
  cv::Mat& p = figure.parse;
  const std::array<const char*, 6> genders = {"M", "F", "male", "FEMALE", "other", ""};
  figure.gender = genders[static_cast<std::size_t>(index) % genders.size()];

  // Body frame in full-resolution pixels. One figure in eight stands at an edge.
  const double s = dice.uniform(0.65, 1.25);
  double cx = dice.uniform(260.0, 508.0);
  if (index % 8 == 3) cx = dice.uniform(-40.0, 110.0);
  if (index % 8 == 6) cx = dice.uniform(658.0, 800.0);
  const double head_y = dice.uniform(90.0, 200.0);
  const double shoulder_y = head_y + 125.0 * s;
  const double shoulder_half = dice.uniform(90.0, 125.0) * s;
  const double hip_y = shoulder_y + dice.uniform(280.0, 360.0) * s;
  const double hip_half = dice.uniform(60.0, 95.0) * s;
  const double knee_y = hip_y + 170.0 * s;
  const double ankle_y = std::min(knee_y + 170.0 * s, 1000.0);

  const cv::Point2d right_shoulder(cx - shoulder_half, shoulder_y + dice.uniform(-10, 10));
  const cv::Point2d left_shoulder(cx + shoulder_half, shoulder_y + dice.uniform(-10, 10));
  // Arms: angles from straight down, outwards positive; some raised, some crossing the body.
  const double upper_len = dice.uniform(120.0, 170.0) * s;
  const double fore_len = dice.uniform(110.0, 160.0) * s;
  const double r_upper = -dice.uniform(-40.0, 120.0);
  const double l_upper = dice.uniform(-40.0, 120.0);
  const cv::Point2d right_elbow = towards(right_shoulder, r_upper, upper_len);
  const cv::Point2d left_elbow = towards(left_shoulder, l_upper, upper_len);
  const cv::Point2d right_wrist = towards(right_elbow, r_upper - dice.uniform(-90.0, 90.0), fore_len);
  const cv::Point2d left_wrist = towards(left_elbow, l_upper + dice.uniform(-90.0, 90.0), fore_len);
  const cv::Point2d right_hip(cx - hip_half, hip_y);
  const cv::Point2d left_hip(cx + hip_half, hip_y);
  const cv::Point2d right_knee(cx - hip_half * dice.uniform(0.6, 1.4), knee_y);
  const cv::Point2d left_knee(cx + hip_half * dice.uniform(0.6, 1.4), knee_y);
  const cv::Point2d right_ankle(right_knee.x + dice.uniform(-30, 30), ankle_y);
  const cv::Point2d left_ankle(left_knee.x + dice.uniform(-30, 30), ankle_y);

  const int lower_kind = dice.integer(0, 2);  // 0 pants, 1 skirt, 2 dress
  const int leg_width = static_cast<int>(dice.uniform(45.0, 75.0) * s);

  // Legs and lower garment.
  cv::line(p, pixel(right_hip), pixel(right_knee), cv::Scalar(kRightLeg), leg_width);
  cv::line(p, pixel(right_knee), pixel(right_ankle), cv::Scalar(kRightLeg), leg_width);
  cv::line(p, pixel(left_hip), pixel(left_knee), cv::Scalar(kLeftLeg), leg_width);
  cv::line(p, pixel(left_knee), pixel(left_ankle), cv::Scalar(kLeftLeg), leg_width);
  if (lower_kind == 0) {
    const double cuff = dice.uniform(0.0, 1.0);
    cv::line(p, pixel(right_hip), pixel(right_knee), cv::Scalar(kPants), leg_width + 6);
    cv::line(p, pixel(right_knee), pixel(right_knee + (right_ankle - right_knee) * cuff), cv::Scalar(kPants),
             leg_width + 6);
    cv::line(p, pixel(left_hip), pixel(left_knee), cv::Scalar(kPants), leg_width + 6);
    cv::line(p, pixel(left_knee), pixel(left_knee + (left_ankle - left_knee) * cuff), cv::Scalar(kPants),
             leg_width + 6);
    fill_quad(p,
              {right_hip + cv::Point2d(-10, -20), left_hip + cv::Point2d(10, -20), left_hip + cv::Point2d(5, 60),
               right_hip + cv::Point2d(-5, 60)},
              kPants);
  } else {
    const double flare = dice.uniform(20.0, 90.0) * s;
    const double hem = hip_y + dice.uniform(80.0, 260.0) * s;
    fill_quad(p,
              {right_hip + cv::Point2d(-8, -20), left_hip + cv::Point2d(8, -20), cv::Point2d(left_hip.x + flare, hem),
               cv::Point2d(right_hip.x - flare, hem)},
              lower_kind == 1 ? kSkirt : kDress);
  }
  cv::ellipse(p, pixel(right_ankle + cv::Point2d(-12, 10)),
              cv::Size(static_cast<int>(40 * s), static_cast<int>(18 * s)), 0, 0, 360, cv::Scalar(kRightShoe),
              cv::FILLED);
  cv::ellipse(p, pixel(left_ankle + cv::Point2d(12, 10)), cv::Size(static_cast<int>(40 * s), static_cast<int>(18 * s)),
              0, 0, 360, cv::Scalar(kLeftShoe), cv::FILLED);

  // Arms behind or in front of the torso; they run on past the wrist (the hand).
  const bool arms_in_front = dice.chance(0.5);
  const int arm_width = static_cast<int>(dice.uniform(30.0, 50.0) * s);
  auto draw_arms = [&] {
    for (int side = 0; side < 2; ++side) {
      const int label = side == 0 ? kRightArm : kLeftArm;
      const cv::Point2d sh = side == 0 ? right_shoulder : left_shoulder;
      const cv::Point2d el = side == 0 ? right_elbow : left_elbow;
      const cv::Point2d wr = side == 0 ? right_wrist : left_wrist;
      cv::line(p, pixel(sh), pixel(el), cv::Scalar(label), arm_width);
      cv::line(p, pixel(el), pixel(wr), cv::Scalar(label), arm_width - 4);
      cv::line(p, pixel(wr), pixel(wr + (wr - el) * dice.uniform(0.2, 0.45)), cv::Scalar(label), arm_width - 2);
    }
  };
  if (!arms_in_front) draw_arms();
  const int torso = lower_kind == 2 ? kDress : kUpperClothes;
  fill_quad(p,
            {right_shoulder + cv::Point2d(-15, -20), left_shoulder + cv::Point2d(15, -20),
             left_hip + cv::Point2d(12, 10), right_hip + cv::Point2d(-12, 10)},
            torso);
  if (dice.chance(0.3)) {
    cv::rectangle(p, pixel(right_hip + cv::Point2d(-10, -15)), pixel(left_hip + cv::Point2d(10, 0)), cv::Scalar(kBelt),
                  cv::FILLED);
  }
  if (arms_in_front) draw_arms();

  // Neck, head, hair and accessories.
  const double head_w = dice.uniform(48.0, 66.0) * s;
  const double head_h = dice.uniform(60.0, 80.0) * s;
  cv::rectangle(p, pixel({cx - 25 * s, head_y + head_h * 0.6}), pixel({cx + 25 * s, shoulder_y - 5}), cv::Scalar(kNeck),
                cv::FILLED);
  cv::ellipse(p, pixel({cx, head_y - head_h * 0.45}),
              cv::Size(static_cast<int>(head_w * 1.1), static_cast<int>(head_h * 0.6)), 0, 0, 360, cv::Scalar(kHair),
              cv::FILLED);
  cv::ellipse(p, pixel({cx, head_y}), cv::Size(static_cast<int>(head_w), static_cast<int>(head_h)), 0, 0, 360,
              cv::Scalar(kFace), cv::FILLED);
  if (dice.chance(0.3)) {
    cv::rectangle(p, pixel({cx - head_w, head_y - head_h * 1.1}), pixel({cx + head_w, head_y - head_h * 0.6}),
                  cv::Scalar(kHat), cv::FILLED);
  }
  if (dice.chance(0.3)) {
    cv::rectangle(p, pixel({cx - head_w * 0.8, head_y - 12}), pixel({cx + head_w * 0.8, head_y + 10}),
                  cv::Scalar(kSunglasses), cv::FILLED);
  }
  if (dice.chance(0.25)) {
    cv::line(p, pixel({cx - 40 * s, shoulder_y - 5}), pixel({cx + 40 * s, shoulder_y + 10}), cv::Scalar(kScarf),
             static_cast<int>(22 * s));
  }
  if (dice.chance(0.3)) {
    const cv::Point2d corner(cx + dice.uniform(-300.0, 300.0), hip_y + dice.uniform(-120.0, 60.0));
    cv::rectangle(p, pixel(corner), pixel(corner + cv::Point2d(dice.uniform(50, 110), dice.uniform(60, 150))),
                  cv::Scalar(kBag), cv::FILLED);
  }
  // Blobs of random labels: holes in garments, islands, parser noise.
  const int blobs = dice.integer(0, 10);
  for (int i = 0; i < blobs; ++i) {
    const cv::Point centre(dice.integer(0, kImageWidth - 1), dice.integer(0, kImageHeight - 1));
    const cv::Size axes(dice.integer(2, 45), dice.integer(2, 45));
    cv::ellipse(p, centre, axes, dice.uniform(0, 180), 0, 360, cv::Scalar(dice.integer(0, kMaxLabel)), cv::FILLED);
  }

  // Keypoints at half resolution with jitter; OpenPose reports no negative coordinates.
  auto key = [&](cv::Point2d full) {
    const cv::Point2d half = full * 0.5 + cv::Point2d(dice.uniform(-4, 4), dice.uniform(-4, 4));
    return cv::Point2f(static_cast<float>(std::max(half.x, 0.0)), static_cast<float>(std::max(half.y, 0.0)));
  };
  auto& k = figure.keypoints;
  k[kNose] = key({cx, head_y + 10});
  k[kNeckPoint] = key({cx, shoulder_y});
  k[kRightShoulder] = key(right_shoulder);
  k[kRightElbow] = key(right_elbow);
  k[kRightWrist] = key(right_wrist);
  k[kLeftShoulder] = key(left_shoulder);
  k[kLeftElbow] = key(left_elbow);
  k[kLeftWrist] = key(left_wrist);
  k[kRightHip] = key(right_hip);
  k[kRightKnee] = key(right_knee);
  k[kRightAnkle] = key(right_ankle);
  k[kLeftHip] = key(left_hip);
  k[kLeftKnee] = key(left_knee);
  k[kLeftAnkle] = key(left_ankle);
  k[kRightEye] = key({cx - 15, head_y - 10});
  k[kLeftEye] = key({cx + 15, head_y - 10});
  k[kRightEar] = key({cx - head_w, head_y});
  k[kLeftEar] = key({cx + head_w, head_y});
  // Missing parts: wrists often (the parsed-arm fallback), elbows and shoulders
  // sometimes (drawn at (0, 0) by the reference); a wrist at (1, 1) is missing too.
  for (KeypointId wrist : {kRightWrist, kLeftWrist}) {
    if (dice.chance(0.15)) k[wrist] = dice.chance(0.8) ? cv::Point2f(0, 0) : cv::Point2f(1.0F, 0.5F);
  }
  for (KeypointId part : {kRightElbow, kLeftElbow, kRightShoulder, kLeftShoulder}) {
    if (dice.chance(0.04)) k[part] = {0, 0};
  }
  // Shoulders exactly on the image edge.
  if (index % 16 == 5) k[kRightShoulder].x = 0.0F;
  if (index % 16 == 13) k[kLeftShoulder].x = static_cast<float>(kWorkWidth - 1) + 0.75F;
  return figure;
}

}  // namespace mc::test_support

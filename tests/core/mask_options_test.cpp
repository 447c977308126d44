// Per-request mask options and the mask report (issue 20, docs/algorithm.md
// section 8). Each expectation is a property the issue states, checked with
// distances computed here (OpenCV's 5 x 5 approximate distance transform, a
// different algorithm from the code's exact one; hence the +-1 pixel margins).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/labels.hpp"
#include "core/mask_engine.hpp"
#include "core/mask_options.hpp"
#include "core/mask_report.hpp"
#include "support/mannequin.hpp"

namespace {

using namespace mc::core;
using mc::test_support::LowerGarment;
using mc::test_support::make_mannequin;
using mc::test_support::Mannequin;

// Distance of every pixel to the nearest pixel where `from` is non-zero.
cv::Mat distance_to(const cv::Mat& from) {
  cv::Mat others;
  cv::compare(from, 0, others, cv::CMP_EQ);
  cv::Mat distance;
  cv::distanceTransform(others, distance, cv::DIST_L2, cv::DIST_MASK_5, CV_32F);
  return distance;
}

cv::Mat complement(const cv::Mat& mask) {
  cv::Mat inverted;
  cv::bitwise_not(mask, inverted);
  return inverted;
}

// The female upper_body mask of the mannequin: a real mask shape, away from the image border.
cv::Mat garment_mask(const Mannequin& m, MaskType type = MaskType::kUpperBody) {
  const std::vector<MaskType> types = {type};
  return generate_masks(m.parse, m.keypoints, Gender::kFemale, types).masks.at(0).second.clone();
}

MaskOptions options_from(const char* text) { return parse_mask_options(nlohmann::json::parse(text)); }

std::string problem_of(const char* text) {
  try {
    options_from(text);
  } catch (const InputError& error) {
    return error.what();
  }
  return "(accepted)";
}

TEST(MaskOptionsParse, AbsentOrEmptyIsTheDefault) {
  EXPECT_TRUE(parse_mask_options(nullptr).is_default());
  EXPECT_TRUE(options_from("{}").is_default());
  EXPECT_TRUE(options_from(R"({"report": false})").is_default());
  EXPECT_FALSE(options_from(R"({"report": true})").is_default());
}

TEST(MaskOptionsParse, ReadsEveryOptionAndImpliesTheReport) {
  const MaskOptions options = options_from(
      R"({"dilate_px": -7, "offsets": {"top": 3, "right": -500}, "protect": ["shoes", "hands", "hands"],
          "feather_px": 9, "outputs": ["cutout", "agnostic"]})");
  EXPECT_EQ(options.dilate_px, -7);
  EXPECT_EQ(options.offsets.top, 3);
  EXPECT_EQ(options.offsets.right, -500);
  EXPECT_EQ(options.offsets.bottom, 0);
  EXPECT_EQ(options.protect, (std::vector<ProtectedPart>{ProtectedPart::kHands, ProtectedPart::kShoes}));
  EXPECT_EQ(options.feather_px, 9);
  // The binary mask always, the soft one because of feather_px.
  EXPECT_EQ(options.outputs, (std::vector<MaskOutput>{MaskOutput::kMask, MaskOutput::kSoft, MaskOutput::kAgnostic,
                                                      MaskOutput::kCutout}));
  EXPECT_TRUE(options.report);
  EXPECT_EQ(options_from(R"({"dilate_percent": 2.5})").dilate_percent, 2.5);
  // What the record keeps reads back to the same options.
  const MaskOptions again = parse_mask_options(mask_options_json(options));
  EXPECT_EQ(mask_options_json(again), mask_options_json(options));
  EXPECT_EQ(mask_options_json(MaskOptions{}), nlohmann::json::object()) << "the default reads back as the default";
  EXPECT_TRUE(parse_mask_options(mask_options_json(MaskOptions{})).is_default());
}

TEST(MaskOptionsParse, EachKindOfInvalidOptionIsNamed) {
  EXPECT_EQ(problem_of("[1]"), "options must be an object (got [1])");
  EXPECT_EQ(problem_of(R"({"grow": 3})"),
            "options.grow is not an option (known: dilate_px, dilate_percent, offsets, protect, feather_px, outputs, "
            "report, profile, category, fitdit_offsets)");
  EXPECT_EQ(problem_of(R"({"dilate_px": "3"})"), "options.dilate_px must be an integer from -50 to 200 (got \"3\")");
  EXPECT_EQ(problem_of(R"({"dilate_px": 2.5})"), "options.dilate_px must be an integer from -50 to 200 (got 2.5)");
  EXPECT_EQ(problem_of(R"({"dilate_px": 201})"), "options.dilate_px must be an integer from -50 to 200 (got 201)");
  EXPECT_EQ(problem_of(R"({"dilate_px": -51})"), "options.dilate_px must be an integer from -50 to 200 (got -51)");
  EXPECT_EQ(problem_of(R"({"dilate_px": 18446744073709551615})"),
            "options.dilate_px must be an integer from -50 to 200 (got 18446744073709551615)");
  EXPECT_EQ(problem_of(R"({"dilate_percent": 20.5})"),
            "options.dilate_percent must be a number from -5 to 20 (got 20.5)");
  EXPECT_EQ(problem_of(R"({"dilate_percent": true})"),
            "options.dilate_percent must be a number from -5 to 20 (got true)");
  EXPECT_EQ(problem_of(R"({"dilate_px": 3, "dilate_percent": 1})"),
            "options.dilate_px and options.dilate_percent cannot be given together");
  EXPECT_EQ(problem_of(R"({"offsets": 3})"), "options.offsets must be an object of top, bottom, left, right (got 3)");
  EXPECT_EQ(problem_of(R"({"offsets": {"up": 3}})"),
            "options.offsets.up is not a side (known: top, bottom, left, right)");
  EXPECT_EQ(problem_of(R"({"offsets": {"left": 501}})"),
            "options.offsets.left must be an integer from -500 to 500 (got 501)");
  EXPECT_EQ(problem_of(R"({"protect": "hands"})"), "options.protect must be a list of parts (got \"hands\")");
  EXPECT_EQ(problem_of(R"({"protect": ["feet"]})"),
            "options.protect holds \"feet\", which is not one of hands, face, hair, hat, bag, shoes, neck");
  EXPECT_EQ(problem_of(R"({"feather_px": 0})"), "options.feather_px must be an integer from 1 to 100 (got 0)");
  EXPECT_EQ(problem_of(R"({"outputs": ["mask", 3]})"),
            "options.outputs holds 3, which is not one of mask, soft, agnostic, cutout");
  EXPECT_EQ(problem_of(R"({"outputs": ["soft"]})"),
            "options.outputs holds \"soft\", which needs options.feather_px (the ramp's width)");
  EXPECT_EQ(problem_of(R"({"report": 1})"), "options.report must be true or false (got 1)");
}

// Review of issue 20: docs/algorithm.md says null means absent, as for the
// request's other fields; the parser refused it.
TEST(MaskOptionsParse, NullMembersAreAbsent) {
  EXPECT_TRUE(options_from(R"({"dilate_px": null, "report": null, "outputs": null})").is_default());
  const MaskOptions options = options_from(R"({"offsets": {"top": null, "left": 2}, "feather_px": null})");
  EXPECT_EQ(options.offsets.top, 0);
  EXPECT_EQ(options.offsets.left, 2);
  EXPECT_FALSE(options.feather_px);
  EXPECT_EQ(problem_of(R"({"protect": [null]})"),
            "options.protect holds null, which is not one of hands, face, hair, hat, bag, shoes, neck");
}

// A JSON number with no fractional part is an integer (JSON Schema's
// "integer"): 1e2 was refused as "(got 100.0)", which reads as in range.
TEST(MaskOptionsParse, IntegralNumbersCountAsIntegers) {
  EXPECT_EQ(options_from(R"({"dilate_px": 12.0})").dilate_px, 12);
  EXPECT_EQ(options_from(R"({"dilate_px": 1e2})").dilate_px, 100);
  EXPECT_EQ(options_from(R"({"dilate_px": -0.0})").dilate_px, 0);
  EXPECT_EQ(options_from(R"({"offsets": {"bottom": -5e2}})").offsets.bottom, -500);
  EXPECT_EQ(problem_of(R"({"dilate_px": 1e3})"), "options.dilate_px must be an integer from -50 to 200 (got 1000.0)");
  EXPECT_EQ(problem_of(R"({"feather_px": 0.0})"), "options.feather_px must be an integer from 1 to 100 (got 0.0)");
  EXPECT_EQ(problem_of(R"({"feather_px": 100.5})"), "options.feather_px must be an integer from 1 to 100 (got 100.5)");
  EXPECT_EQ(problem_of(R"({"dilate_px": -1e300})"),
            "options.dilate_px must be an integer from -50 to 200 (got -1e+300)");
}

// A key is quoted byte by byte: a NUL cut the error text short ("options.").
TEST(MaskOptionsParse, UnprintableKeysAreQuoted) {
  EXPECT_EQ(problem_of(R"({"a\u0000b": 1})"),
            "options.a\\x00b is not an option (known: dilate_px, dilate_percent, offsets, protect, feather_px, "
            "outputs, report, profile, category, fitdit_offsets)");
  EXPECT_EQ(problem_of(R"({"offsets": {"\n": 1}})"),
            "options.offsets.\\x0A is not a side (known: top, bottom, left, right)");
}

TEST(MaskOptionsShape, DefaultOptionsLeaveTheMaskAsItIs) {
  const Mannequin m = make_mannequin();
  const cv::Mat mask = garment_mask(m);
  const MaskOptions options;
  const ShapedMask shaped = MaskShaper(options, m.parse, m.keypoints).shape(mask);
  EXPECT_EQ(cv::countNonZero(shaped.mask != mask), 0);
  EXPECT_TRUE(shaped.soft.empty());
}

class DilateDisc : public ::testing::TestWithParam<int> {};

// Growing by N: every pixel added lies within N + 1 of the mask, every pixel within N - 1 is added.
TEST_P(DilateDisc, GrowsByTheRadius) {
  const int n = GetParam();
  const cv::Mat mask = garment_mask(make_mannequin());
  const cv::Mat grown = dilate_disc(mask, n);
  const cv::Mat distance = distance_to(mask);
  int added = 0;
  for (int y = 0; y < mask.rows; ++y) {
    for (int x = 0; x < mask.cols; ++x) {
      const float d = distance.at<float>(y, x);
      if (mask.at<std::uint8_t>(y, x) != 0) {
        ASSERT_EQ(grown.at<std::uint8_t>(y, x), 255) << "a mask pixel was lost at " << x << "," << y;
      } else if (grown.at<std::uint8_t>(y, x) != 0) {
        ++added;
        ASSERT_LE(d, static_cast<float>(n + 1)) << "added too far at " << x << "," << y;
      } else {
        ASSERT_GT(d, static_cast<float>(n - 1)) << "not added though near at " << x << "," << y;
      }
    }
  }
  EXPECT_GT(added, 0);
}

// Shrinking by N is the mirror image: every pixel removed lies within N + 1 of the outside,
// every mask pixel within N - 1 of it is removed.
TEST_P(DilateDisc, ShrinksByTheRadius) {
  const int n = GetParam();
  const cv::Mat mask = garment_mask(make_mannequin());
  const cv::Mat shrunk = dilate_disc(mask, -n);
  const cv::Mat distance = distance_to(complement(mask));
  int removed = 0;
  for (int y = 0; y < mask.rows; ++y) {
    for (int x = 0; x < mask.cols; ++x) {
      if (mask.at<std::uint8_t>(y, x) == 0) {
        ASSERT_EQ(shrunk.at<std::uint8_t>(y, x), 0);
        continue;
      }
      const float d = distance.at<float>(y, x);
      if (shrunk.at<std::uint8_t>(y, x) == 0) {
        ++removed;
        ASSERT_LE(d, static_cast<float>(n + 1)) << "removed too deep at " << x << "," << y;
      } else {
        ASSERT_GT(d, static_cast<float>(n - 1)) << "kept though near the edge at " << x << "," << y;
      }
    }
  }
  EXPECT_GT(removed, 0);
}

INSTANTIATE_TEST_SUITE_P(Radii, DilateDisc, ::testing::Values(1, 6, 25, 50));

TEST(MaskOptionsShape, DilatePercentIsOfThePersonsHeight) {
  const Mannequin m = make_mannequin();
  const PersonHeight height = person_height(m.parse, m.keypoints);
  EXPECT_TRUE(height.from_keypoints);
  EXPECT_DOUBLE_EQ(height.pixels, 2.0 * (468 - 80));  // nose to ankle, at 768 x 1024
  const MaskOptions options = options_from(R"({"dilate_percent": 1.5})");
  EXPECT_EQ(MaskShaper(options, m.parse, m.keypoints).radius(), 12);  // 11.64 rounded
  Mannequin no_ankles = m;
  no_ankles.keypoints[kRightAnkle] = {0, 0};
  no_ankles.keypoints[kLeftAnkle] = {0, 0};
  const MaskShaper fallback(options, no_ankles.parse, no_ankles.keypoints);
  EXPECT_EQ(fallback.radius(), static_cast<int>(std::lround(0.015 * cv::boundingRect(m.parse).height)));
  ASSERT_EQ(fallback.warnings().size(), 1U);
  EXPECT_NE(fallback.warnings()[0].find("person height from the parse map"), std::string::npos);
}

// Offsets: top = k adds exactly the k pixels above each column's runs, nothing elsewhere;
// the other sides are the same operation mirrored.
TEST(MaskOptionsShape, OffsetsMoveOnlyTheirSide) {
  const cv::Mat mask = garment_mask(make_mannequin());
  for (const int k : {9, -9}) {
    const cv::Mat moved = offset_sides(mask, {.top = k});
    for (int x = 0; x < mask.cols; ++x) {
      for (int y = 0; y < mask.rows; ++y) {
        bool expected = mask.at<std::uint8_t>(y, x) != 0;
        if (k > 0) {
          for (int i = 1; i <= k && y + i < mask.rows; ++i) expected = expected || mask.at<std::uint8_t>(y + i, x) != 0;
        } else {
          for (int i = 1; i <= -k && y - i >= 0; ++i) expected = expected && mask.at<std::uint8_t>(y - i, x) != 0;
        }
        ASSERT_EQ(moved.at<std::uint8_t>(y, x) != 0, expected) << "k " << k << " at " << x << "," << y;
      }
    }
    ASSERT_NE(cv::countNonZero(moved != mask), 0);
    const auto flipped = [](const cv::Mat& image, int code) {
      cv::Mat out;
      cv::flip(image, out, code);
      return out;
    };
    const auto turned = [](const cv::Mat& image) {
      cv::Mat out;
      cv::transpose(image, out);
      return out;
    };
    // bottom is top upside down; left is top transposed; right is left mirrored.
    EXPECT_EQ(cv::countNonZero(offset_sides(flipped(mask, 0), {.bottom = k}) != flipped(moved, 0)), 0);
    EXPECT_EQ(cv::countNonZero(turned(offset_sides(turned(mask), {.left = k})) != moved), 0);
    EXPECT_EQ(cv::countNonZero(flipped(offset_sides(flipped(turned(mask), 1), {.right = k}), 1) !=
                               offset_sides(turned(mask), {.left = k})),
              0);
  }
}

TEST(MaskOptionsShape, ProtectedPixelsAreNeverMaskedAndTheRestIsUnchanged) {
  for (const MaskType type : {MaskType::kUpperBody, MaskType::kBaggyLower}) {
    const Mannequin m = make_mannequin();
    const cv::Mat mask = garment_mask(m, type);
    const MaskOptions options =
        options_from(R"({"protect": ["hands", "face", "hair", "hat", "bag", "shoes", "neck"]})");
    const cv::Mat shaped = MaskShaper(options, m.parse, m.keypoints).shape(mask).mask;
    cv::Mat guarded = LabelSet{kFace, kSunglasses, kHair, kHat, kBag, kLeftShoe, kRightShoe, kNeck}.select(m.parse);
    // The hand discs, from the issue's formula.
    for (const auto& [e, w] : {std::pair{kRightElbow, kRightWrist}, std::pair{kLeftElbow, kLeftWrist}}) {
      const cv::Point2d elbow = m.keypoints[e];
      const cv::Point2d wrist = m.keypoints[w];
      const cv::Point2d centre = 2.0 * (wrist + 0.5 * (wrist - elbow));
      const double radius = 2.0 * 0.7 * cv::norm(wrist - elbow);
      for (int y = 0; y < mask.rows; ++y) {
        for (int x = 0; x < mask.cols; ++x) {
          if (cv::norm(cv::Point2d(x, y) - centre) <= radius) guarded.at<std::uint8_t>(y, x) = 255;
        }
      }
    }
    EXPECT_EQ(cv::countNonZero(shaped & guarded), 0);
    EXPECT_GT(cv::countNonZero(mask & guarded), 0) << "the case must have something to protect";
    const cv::Mat rest = complement(guarded);
    EXPECT_EQ(cv::countNonZero((shaped & rest) != (mask & rest)), 0);
  }
}

TEST(MaskOptionsShape, HandsWithoutWristsWarn) {
  Mannequin m = make_mannequin();
  m.keypoints[kRightWrist] = {0, 0};
  m.keypoints[kLeftElbow] = {0, 0};
  EXPECT_TRUE(hand_discs(m.keypoints).empty());
  const MaskOptions options = options_from(R"({"protect": ["hands"]})");
  const MaskShaper shaper(options, m.parse, m.keypoints);
  EXPECT_EQ(shaper.warnings(), std::vector<std::string>{"hands not visible: protect hands had no effect"});
  m.keypoints[kLeftElbow] = {273, 220};
  EXPECT_EQ(hand_discs(m.keypoints).size(), 1U);
}

// Keypoints from a `masks --keypoints` file may lie anywhere in float's
// range: an ankle that far makes any dilate_percent cover the image, a hand
// disc that large protects all of it. Both were cast to int out of range
// (undefined; on x86-64 radius 0 and no disc at all).
TEST(MaskOptionsShape, FarAwayKeypointsStillShapeTheWholeImage) {
  const Mannequin m = make_mannequin();
  const cv::Mat mask = garment_mask(m);
  Keypoints far = m.keypoints;
  far[kRightAnkle] = {100.0F, 3e37F};
  far[kLeftAnkle] = {0.0F, 0.0F};
  const MaskOptions grow = options_from(R"({"dilate_percent": 20})");
  const MaskShaper grower(grow, m.parse, far);
  EXPECT_GT(grower.radius(), 1280) << "beyond the image's diagonal";
  EXPECT_EQ(cv::countNonZero(grower.shape(mask).mask), 768 * 1024);
  const MaskOptions shrink = options_from(R"({"dilate_percent": -5})");
  EXPECT_EQ(cv::countNonZero(MaskShaper(shrink, m.parse, far).shape(mask).mask), 0);
  far[kRightElbow] = {100.0F, -3e37F};  // the wrist where it was: the disc holds the whole image
  const MaskOptions hands = options_from(R"({"protect": ["hands"]})");
  EXPECT_EQ(cv::countNonZero(MaskShaper(hands, m.parse, far).shape(mask).mask), 0);
}

class Feather : public ::testing::TestWithParam<int> {};

TEST_P(Feather, RampsAcrossTheEdgeOnly) {
  const int width = GetParam();
  const cv::Mat mask = garment_mask(make_mannequin());
  const cv::Mat soft = feather_mask(mask, width);
  ASSERT_EQ(soft.type(), CV_8UC1);
  const cv::Mat to_outside = distance_to(complement(mask));
  const cv::Mat to_inside = distance_to(mask);
  const double half = width / 2.0;
  int between = 0;
  for (int y = 0; y < mask.rows; ++y) {
    for (int x = 0; x < mask.cols; ++x) {
      const int value = soft.at<std::uint8_t>(y, x);
      const bool in = mask.at<std::uint8_t>(y, x) != 0;
      // Signed distance of the pixel's centre to the edge.
      const double s = in ? static_cast<double>(to_outside.at<float>(y, x)) - 0.5
                          : 0.5 - static_cast<double>(to_inside.at<float>(y, x));
      if (in && s >= half + 1.0) {
        ASSERT_EQ(value, 255) << x << "," << y;
      }
      if (!in && s <= -half - 1.0) {
        ASSERT_EQ(value, 0) << x << "," << y;
      }
      if (value > 0 && value < 255) {
        ++between;
        ASSERT_LT(std::abs(s), half + 1.0) << "ramp value away from the edge at " << x << "," << y;
      }
      // Thresholded at 128 the soft mask is the binary one.
      ASSERT_EQ(value >= 128, in) << x << "," << y;
    }
  }
  if (width > 1) {
    EXPECT_GT(between, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Widths, Feather, ::testing::Values(1, 2, 7, 40));

TEST(MaskOptionsImages, AgnosticAndCutoutKeepThePhotoOutsideTheMask) {
  const cv::Mat mask = garment_mask(make_mannequin());
  cv::Mat photo(mask.size(), CV_8UC3);
  cv::randu(photo, 0, 256);
  const cv::Mat agnostic = agnostic_image(photo, mask);
  const cv::Mat soft = feather_mask(mask, 10);
  const cv::Mat cutout = cutout_image(photo, soft);
  ASSERT_EQ(cutout.type(), CV_8UC4);
  for (int y = 0; y < mask.rows; ++y) {
    for (int x = 0; x < mask.cols; ++x) {
      const auto p = photo.at<cv::Vec3b>(y, x);
      const auto c = cutout.at<cv::Vec4b>(y, x);
      ASSERT_EQ(cv::Vec3b(c[0], c[1], c[2]), p);
      ASSERT_EQ(c[3], soft.at<std::uint8_t>(y, x));
      if (mask.at<std::uint8_t>(y, x) == 0) {
        ASSERT_EQ(agnostic.at<cv::Vec3b>(y, x), p);
      } else {
        ASSERT_EQ(agnostic.at<cv::Vec3b>(y, x), cv::Vec3b(128, 128, 128));
      }
    }
  }
}

TEST(MaskReport, AgreesWithTheMasks) {
  const Mannequin m = make_mannequin();
  const std::vector<MaskType> types = {MaskType::kUpperBody, MaskType::kLowerBody};
  const GeneratedMasks generated = generate_masks(m.parse, m.keypoints, Gender::kMale, types);
  std::array<float, kKeypointCount> scores{};
  scores.fill(0.5F);
  scores[kNose] = 0.9F;
  const nlohmann::json info =
      mask_info(generated.masks, m.parse, m.keypoints, {1, mean_keypoint_score(m.keypoints, scores)}, {});
  for (const auto& [type, mask] : generated.masks) {
    const nlohmann::json& entry = info["masks"][std::string(mask_type_name(type))];
    const cv::Rect box = cv::boundingRect(mask);
    EXPECT_EQ(entry["bbox"], nlohmann::json({box.x, box.y, box.br().x - 1, box.br().y - 1}));
    EXPECT_DOUBLE_EQ(entry["area_fraction"].get<double>(), cv::countNonZero(mask) / (768.0 * 1024.0));
    EXPECT_FALSE(entry["empty"].get<bool>());
  }
  EXPECT_EQ(info["person_count"], 1);
  EXPECT_EQ(info["person_box"], nlohmann::json({2.0 * 95, 2.0 * 70, 2.0 * 289, 2.0 * 468}));
  EXPECT_NEAR(info["keypoint_confidence"].get<double>(), (17 * 0.5 + 0.9) / 18, 1e-6);
  EXPECT_EQ(info["view"], "front");
  EXPECT_EQ(info["warnings"], nlohmann::json::array());
}

TEST(MaskReport, EachWarningHasItsCase) {
  const Mannequin m = make_mannequin();  // pants and upper clothes, no dress
  const std::vector<std::pair<MaskType, cv::Mat>> masks = {{MaskType::kDress, garment_mask(m, MaskType::kDress)},
                                                           {MaskType::kLowerBody, cv::Mat::zeros(1024, 768, CV_8UC1)}};
  const nlohmann::json info =
      mask_info(masks, m.parse, m.keypoints, {3, std::nullopt}, {"hands not visible: protect hands had no effect"});
  EXPECT_EQ(info["warnings"],
            nlohmann::json({"several people (3): the one with the most body parts was used",
                            "hands not visible: protect hands had no effect",
                            "dress mask built from upper and lower garments (no dress in the parse map)",
                            "lower_body: mask is empty"}));
  EXPECT_EQ(info["masks"]["lower_body"]["bbox"], nullptr);
  EXPECT_TRUE(info["masks"]["lower_body"]["empty"].get<bool>());
  EXPECT_EQ(info["keypoint_confidence"], nullptr);
  // A real dress in the parse map: no such warning.
  const Mannequin dressed = make_mannequin({.lower = LowerGarment::kDress});
  const nlohmann::json plain = mask_info({{MaskType::kDress, garment_mask(dressed, MaskType::kDress)}}, dressed.parse,
                                         dressed.keypoints, {1, std::nullopt}, {});
  EXPECT_EQ(plain["warnings"], nlohmann::json::array());
}

TEST(MaskReport, ViewFromShouldersNoseAndEars) {
  Keypoints k = make_mannequin().keypoints;
  EXPECT_EQ(view_of(k, 776), View::kFront);
  Keypoints back = k;
  std::swap(back[kRightShoulder], back[kLeftShoulder]);  // the person's right on the image's right
  EXPECT_EQ(view_of(back, 776), View::kBack);
  Keypoints no_face = k;
  no_face[kNose] = {0, 0};
  EXPECT_EQ(view_of(no_face, 776), View::kBack);
  Keypoints side = k;
  side[kLeftShoulder] = {0, 0};
  EXPECT_EQ(view_of(side, 776), View::kSide);
  Keypoints narrow = k;
  narrow[kLeftShoulder].x = narrow[kRightShoulder].x + 20;  // under 0.1 x 776 / 2 apart
  EXPECT_EQ(view_of(narrow, 776), View::kSide);
  // Neither shoulder: no evidence for any view (it said "side").
  Keypoints legs = side;
  legs[kRightShoulder] = {0, 0};
  EXPECT_EQ(view_of(legs, 776), std::nullopt);
  EXPECT_EQ(view_of(Keypoints{}, 0), std::nullopt);
  const cv::Mat nothing = cv::Mat::zeros(1024, 768, CV_8UC1);
  EXPECT_EQ(mask_info({{MaskType::kDress, nothing}}, nothing, Keypoints{}, {}, {})["view"], nullptr);
}

}  // namespace

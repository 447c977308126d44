// The analysis cache's stored form, its key parts and its settings (service/analysis_cache*).
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/errors.hpp"
#include "service/analysis_cache.hpp"

namespace mc::service {
namespace {

inference::HumanAnalysis sample() {
  inference::HumanAnalysis analysis;
  analysis.parse = cv::Mat(1024, 768, CV_8UC1, cv::Scalar(0));
  analysis.parse(cv::Rect(200, 300, 300, 400)).setTo(4);
  analysis.parse.at<std::uint8_t>(10, 10) = 18;
  for (std::size_t i = 0; i < analysis.keypoints.size(); ++i) {
    analysis.keypoints[i] = cv::Point2f(0.1F * static_cast<float>(i) + 1.0F / 3.0F, -1.0F);
  }
  for (std::size_t i = 0; i < analysis.keypoint_scores.size(); ++i) {
    analysis.keypoint_scores[i] = 0.05F * static_cast<float>(i) + 1.0F / 7.0F;
  }
  analysis.people_found = 2;
  analysis.warnings = {"left wrist not found"};
  return analysis;
}

TEST(AnalysisCacheTest, AStoredAnalysisReadsBackExactly) {
  const inference::HumanAnalysis analysis = sample();
  std::string problem;
  const auto back = decode_analysis(encode_analysis(analysis, "models/pixels"), "models/pixels", problem);
  ASSERT_TRUE(back) << problem;
  EXPECT_EQ(cv::countNonZero(back->parse != analysis.parse), 0);
  for (std::size_t i = 0; i < analysis.keypoints.size(); ++i) {
    EXPECT_EQ(back->keypoints[i], analysis.keypoints[i]) << i;  // bit for bit: the masks depend on them
  }
  // What `options.report` shows (mask_info): a hit reports what the miss did.
  EXPECT_EQ(back->keypoint_scores, analysis.keypoint_scores);
  EXPECT_EQ(back->people_found, 2);
  EXPECT_EQ(back->warnings, analysis.warnings);
}

TEST(AnalysisCacheTest, ForeignOrMalformedObjectsAreRefusedNamingTheProblem) {
  std::string problem;
  EXPECT_FALSE(decode_analysis(encode_analysis(sample(), "models/other"), "models/pixels", problem));
  EXPECT_EQ(problem, "made for another image or models");
  EXPECT_FALSE(decode_analysis("not json", "k", problem));
  EXPECT_NE(problem.find("unreadable"), std::string::npos);
  inference::HumanAnalysis wrong = sample();
  wrong.parse.at<std::uint8_t>(0, 0) = 19;
  EXPECT_FALSE(decode_analysis(encode_analysis(wrong, "k"), "k", problem));
  EXPECT_EQ(problem, "parse map has labels out of range");
  wrong = sample();
  wrong.parse = cv::Mat(10, 10, CV_8UC1, cv::Scalar(0));
  EXPECT_FALSE(decode_analysis(encode_analysis(wrong, "k"), "k", problem));
  EXPECT_EQ(problem, "parse map declares 10 x 10 PNG, not a 768 x 1024 PNG");
}

// A PNG of nothing but its IHDR and IEND chunks declaring `width` x `height`
// 8-bit grey pixels: what a decompression bomb shows before its data.
std::string png_declaring(std::uint32_t width, std::uint32_t height) {
  std::string png = "\x89PNG\r\n\x1a\n";
  png += std::string("\0\0\0\x0dIHDR", 8);
  for (const std::uint32_t value : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<char>((value >> shift) & 0xFFU));
  }
  png += std::string("\x08\0\0\0\0", 5) + "CRC!";
  png += std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12);
  return png;
}

std::string with(const std::string& field, const nlohmann::json& value) {
  nlohmann::json document = nlohmann::json::parse(encode_analysis(sample(), "k"));
  document[field] = value;
  return document.dump();
}

TEST(AnalysisCacheTest, AParseMapDeclaringAnotherSizeIsRefusedBeforeItIsDecoded) {
  std::string problem;
  // 900 megapixels declared by a 45-byte PNG: refused by its header (libpng
  // would have taken the memory first, then found the data missing).
  EXPECT_FALSE(decode_analysis(with("parse_png", core::encode_base64(png_declaring(30000, 30000))), "k", problem));
  EXPECT_NE(problem.find("30000 x 30000"), std::string::npos) << problem;
  EXPECT_FALSE(decode_analysis(with("parse_png", core::encode_base64(png_declaring(1024, 768))), "k", problem));
  EXPECT_EQ(problem, "parse map declares 1024 x 768 PNG, not a 768 x 1024 PNG");
}

TEST(AnalysisCacheTest, AnOversizeObjectIsRefusedBeforeItIsParsed) {
  std::string problem;
  const std::string padded = encode_analysis(sample(), "k") + std::string(kMaxStoredAnalysisBytes, ' ');
  EXPECT_FALSE(decode_analysis(padded, "k", problem));
  EXPECT_EQ(problem, "larger than 2097152 bytes");
}

TEST(AnalysisCacheTest, DeepNestingIsRefusedBeforeTheDocumentIsBuilt) {
  std::string problem;
  EXPECT_FALSE(decode_analysis(with("warnings", nlohmann::json::parse(std::string(100, '[') + std::string(100, ']'))),
                               "k", problem));
  EXPECT_NE(problem.find("nested deeper than 3 levels"), std::string::npos) << problem;
}

TEST(AnalysisCacheTest, KeypointsOutsideFloatOrOfTheWrongShapeAreRefused) {
  std::string problem;
  nlohmann::json points = nlohmann::json::parse(encode_analysis(sample(), "k"))["keypoints"];
  points[3][0] = 1e300;  // a float cannot hold it (the cast would be undefined)
  EXPECT_FALSE(decode_analysis(with("keypoints", points), "k", problem));
  EXPECT_NE(problem.find("out of range"), std::string::npos) << problem;
  points[3] = 7;
  EXPECT_FALSE(decode_analysis(with("keypoints", points), "k", problem));
  EXPECT_NE(problem.find("[x, y] pair"), std::string::npos) << problem;
  EXPECT_FALSE(decode_analysis(with("keypoints", nlohmann::json::array()), "k", problem));
  EXPECT_NE(problem.find("18"), std::string::npos) << problem;
  EXPECT_FALSE(decode_analysis(with("keypoint_scores", std::vector<double>(18, -1.0)), "k", problem));
  EXPECT_EQ(problem, "keypoint score out of range");
  EXPECT_FALSE(decode_analysis(with("people_found", -3), "k", problem));
  EXPECT_EQ(problem, "people_found out of range");
  // Numbers beyond the integers they are read into (the casts would be undefined).
  EXPECT_FALSE(decode_analysis(with("people_found", 1e300), "k", problem));
  EXPECT_EQ(problem, "unreadable: people_found is not an integer");
  EXPECT_FALSE(decode_analysis(with("format", 2.5e57), "k", problem));
  EXPECT_EQ(problem, "unknown format");
}

TEST(AnalysisCacheTest, ThePixelDigestFollowsEveryPixel) {
  cv::Mat image(1024, 768, CV_8UC3, cv::Scalar(1, 2, 3));
  const std::string before = pixels_digest(image);
  EXPECT_EQ(before.size(), 64U);
  EXPECT_EQ(pixels_digest(image.clone()), before);
  image.at<cv::Vec3b>(1023, 767)[2] = 4;
  EXPECT_NE(pixels_digest(image), before);
}

AnalysisCacheSettings read(const std::map<std::string, std::string>& variables) {
  SettingsReader env([&](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  });
  AnalysisCacheSettings settings = read_analysis_cache_settings(env);
  env.throw_if_problems();
  return settings;
}

TEST(AnalysisCacheTest, SettingsHaveTheirDefaultsAndAreChecked) {
  const AnalysisCacheSettings defaults = read({});
  EXPECT_TRUE(defaults.enabled);
  EXPECT_EQ(defaults.memory_bytes, 256U * 1024 * 1024);
  EXPECT_EQ(defaults.prefix, "_analysis/");
  EXPECT_FALSE(read({{"ANALYSIS_CACHE", "off"}}).enabled);
  EXPECT_THROW(read({{"ANALYSIS_CACHE", "maybe"}}), core::SetupError);
  EXPECT_THROW(read({{"ANALYSIS_CACHE_PREFIX", "no-slash"}}), core::SetupError);
}

}  // namespace
}  // namespace mc::service

// The analysis cache's stored form, its key parts and its settings (service/analysis_cache*).
#include <gtest/gtest.h>

#include <map>

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
  EXPECT_EQ(problem, "parse map is not a 768 x 1024 label image");
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

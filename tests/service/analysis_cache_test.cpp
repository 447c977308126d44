// The analysis cache's stored form, its key parts and its settings (service/analysis_cache*).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/null_sink.h>

#include "core/base64.hpp"
#include "core/errors.hpp"
#include "service/processing/analysis_cache.hpp"
#include "metric_lines.hpp"

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
  analysis.hands[1] = {{100.25F, 200.5F}, {101.0F / 3.0F, 202.0F}, {104.0F, 199.0F}};  // DWPose's right hand
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
  EXPECT_EQ(back->hands, analysis.hands) << "protect hands: a hit protects what the miss did";
  EXPECT_FALSE(back->wholebody) << "OpenPose's analysis has no whole-body points";
}

TEST(AnalysisCacheTest, DwposesWholeBodyPointsReadBackExactly) {
  inference::HumanAnalysis analysis = sample();
  analysis.wholebody.emplace();
  for (std::size_t i = 0; i < analysis.wholebody->size(); ++i) {
    (*analysis.wholebody)[i] = i % 5 == 0 ? cv::Point2f() : cv::Point2f(static_cast<float>(i) + 1.0F / 3.0F, 7.25F);
  }
  std::string problem;
  const auto back = decode_analysis(encode_analysis(analysis, "k"), "k", problem);
  ASSERT_TRUE(back) << problem;
  ASSERT_TRUE(back->wholebody);
  EXPECT_EQ(*back->wholebody, *analysis.wholebody) << "fitdit: a hit masks what the miss did";
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
  EXPECT_NE(problem.find("nested deeper than 4 levels"), std::string::npos) << problem;
  EXPECT_FALSE(decode_analysis(with("hands", nlohmann::json::array({{{1, 2}}, {{1e300, 2}}})), "k", problem));
  EXPECT_EQ(problem, "a hand point is not a finite [x, y] pair");
  EXPECT_FALSE(decode_analysis(with("hands", nlohmann::json::array({nlohmann::json::array()})), "k", problem));
  EXPECT_EQ(problem, "hands is not a pair of point lists");
}

TEST(AnalysisCacheTest, MalformedWholeBodyPointsAreRefused) {
  std::string problem;
  nlohmann::json points = nlohmann::json::array();
  for (int i = 0; i < 134; ++i) points.push_back({1.0, 2.0});
  ASSERT_TRUE(decode_analysis(with("wholebody", points), "k", problem)) << problem;
  points[7][1] = -1.0;  // the analysis never stores a negative coordinate (FitDiT's cut to 0)
  EXPECT_FALSE(decode_analysis(with("wholebody", points), "k", problem));
  EXPECT_EQ(problem, "a wholebody point is not an [x, y] pair of numbers from 0 to 1e6");
  points.erase(7);
  EXPECT_FALSE(decode_analysis(with("wholebody", points), "k", problem));
  EXPECT_EQ(problem, "wholebody is not a list of 134 points");
  EXPECT_FALSE(decode_analysis(with("wholebody", 3), "k", problem));
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

// The networks, faked: counts its calls, holds each until `open` (so that
// tests can see calls overlap, or wait behind one), and answers a parse map
// of the image's size whose first pixel is the image's first byte.
struct GatedAnalyzer final : Analyzer {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = true;
  int calls = 0;
  int running = 0;
  std::function<void()> fail;  // when set, the next call calls it (and it throws) once opened

  inference::HumanAnalysis analyze(const cv::Mat& person, const std::string&, const Interruption&) override {
    std::unique_lock lock(mutex);
    ++calls;
    ++running;
    changed.notify_all();
    changed.wait(lock, [&] { return open; });
    --running;
    if (fail) {
      const auto failing = std::exchange(fail, nullptr);
      lock.unlock();
      failing();
    }
    inference::HumanAnalysis analysis;
    analysis.parse = cv::Mat::zeros(person.rows, person.cols, CV_8UC1);
    analysis.parse.at<std::uint8_t>(0, 0) = person.data[0];
    analysis.people_found = 1;
    return analysis;
  }
  void set_open(bool value) {
    const std::lock_guard lock(mutex);
    open = value;
    changed.notify_all();
  }
  // Waits for `condition` (on the fields above, and metrics that change
  // without a notification here: looked at again every few milliseconds), a
  // minute at most.
  template <typename Condition>
  bool wait_for(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    std::unique_lock lock(mutex);
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      changed.wait_for(lock, std::chrono::milliseconds(5));
    }
    return true;
  }
  int calls_now() {
    const std::lock_guard lock(mutex);
    return calls;
  }
};

cv::Mat image(int side, std::uint8_t value) { return {side, side, CV_8UC3, cv::Scalar(value, value, value)}; }

// A CachingAnalyzer in front of a GatedAnalyzer, its S3 layer on a closed
// port (each lookup fails at once: an error of the cache, then the networks).
class AnalysisCacheLayerTest : public ::testing::Test {
 protected:
  CachingAnalyzer make(std::size_t memory_bytes) {
    adapters::S3Settings s3;
    // Whole strings moved in: GCC 12 takes the literals' assignment, inlined
    // here, for an overlapping copy (-Wrestrict, a known false positive).
    s3.endpoint = std::string("127.0.0.1:1");
    s3.bucket = std::string("cache");
    s3.access_key = std::string("k");
    s3.secret_key = std::string("s");
    AnalysisCacheSettings settings;
    settings.memory_bytes = memory_bytes;
    return {networks, s3, settings, "models", metrics, *log};
  }
  // A series' value as /metrics shows it.
  std::string metric(const std::string& series) {
    const std::string line = line_of(metrics.text(), series);
    return line.empty() ? "" : line.substr(series.size() + 1);
  }
  int flight_hits() {
    const std::string value = metric(R"(maskcomponent_analysis_cache_hits_total{layer="in_flight"})");
    return value.empty() ? 0 : std::stoi(value);
  }

  GatedAnalyzer networks;
  ServiceMetrics metrics{BuildInfo{"test", "test"}};
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  StopState stop;
  const Interruption interruption = Interruption::for_request(stop);
};

TEST_F(AnalysisCacheLayerTest, ConcurrentMissesOfOneImageRunTheNetworksOnce) {
  CachingAnalyzer cache = make(64 * 1024 * 1024);
  networks.set_open(false);
  constexpr int kRequests = 6;
  std::vector<std::future<inference::HumanAnalysis>> answers;
  for (int i = 0; i < kRequests; ++i) {
    answers.push_back(std::async(std::launch::async, [&] { return cache.analyze(image(64, 7), {}, interruption); }));
  }
  // Every request arrived: at the networks, or waiting for the one there.
  ASSERT_TRUE(networks.wait_for([&] { return networks.calls >= 1 && networks.calls + flight_hits() >= kRequests; }));
  networks.set_open(true);
  for (auto& answer : answers) {
    const inference::HumanAnalysis analysis = answer.get();
    EXPECT_EQ(analysis.parse.at<std::uint8_t>(0, 0), 7);
    EXPECT_EQ(analysis.people_found, 1);
  }
  EXPECT_EQ(networks.calls_now(), 1);
  EXPECT_EQ(flight_hits(), kRequests - 1);
  EXPECT_EQ(metric("maskcomponent_analysis_cache_misses_total"), "1");
}

TEST_F(AnalysisCacheLayerTest, MissesOfDifferentImagesRunTogether) {
  CachingAnalyzer cache = make(64 * 1024 * 1024);
  networks.set_open(false);
  auto first = std::async(std::launch::async, [&] { return cache.analyze(image(64, 1), {}, interruption); });
  auto second = std::async(std::launch::async, [&] { return cache.analyze(image(64, 2), {}, interruption); });
  // Both at the networks at once (one waiting behind the other would never get there).
  const bool together = networks.wait_for([&] { return networks.running == 2; });
  networks.set_open(true);
  EXPECT_TRUE(together);
  EXPECT_EQ(first.get().parse.at<std::uint8_t>(0, 0), 1);
  EXPECT_EQ(second.get().parse.at<std::uint8_t>(0, 0), 2);
  EXPECT_EQ(flight_hits(), 0);
}

TEST_F(AnalysisCacheLayerTest, WaitersGetTheLeadersErrorAndTheNextCallComputesAgain) {
  CachingAnalyzer cache = make(64 * 1024 * 1024);
  networks.set_open(false);
  networks.fail = [] { throw core::InputError("no person detected"); };
  constexpr int kRequests = 3;
  std::vector<std::future<inference::HumanAnalysis>> answers;
  for (int i = 0; i < kRequests; ++i) {
    answers.push_back(std::async(std::launch::async, [&] { return cache.analyze(image(64, 9), {}, interruption); }));
  }
  ASSERT_TRUE(networks.wait_for([&] { return networks.calls >= 1 && networks.calls + flight_hits() >= kRequests; }));
  networks.set_open(true);
  for (auto& answer : answers) EXPECT_THROW(answer.get(), core::InputError);
  EXPECT_EQ(networks.calls_now(), 1);
  // The failure is not kept: the same image is computed again.
  EXPECT_EQ(cache.analyze(image(64, 9), {}, interruption).parse.at<std::uint8_t>(0, 0), 9);
  EXPECT_EQ(networks.calls_now(), 2);
}

TEST_F(AnalysisCacheLayerTest, AWaiterStopsWaitingWhenItsInterruptionIsDue) {
  CachingAnalyzer cache = make(64 * 1024 * 1024);
  networks.set_open(false);
  auto leader = std::async(std::launch::async, [&] { return cache.analyze(image(64, 5), {}, interruption); });
  ASSERT_TRUE(networks.wait_for([&] { return networks.calls == 1; }));
  // The waiter's work is abandoned (its partition revoked); the leader's is not.
  const std::atomic<bool> revoked{true};
  const Interruption waiter_interruption = Interruption::for_request(stop, &revoked);
  auto waiter = std::async(std::launch::async, [&] { return cache.analyze(image(64, 5), {}, waiter_interruption); });
  const bool gave_up = waiter.wait_for(std::chrono::minutes(1)) == std::future_status::ready;
  networks.set_open(true);
  ASSERT_TRUE(gave_up) << "the waiter waited for the leader although its work was abandoned";
  EXPECT_THROW(waiter.get(), Abandoned);
  EXPECT_EQ(leader.get().parse.at<std::uint8_t>(0, 0), 5);
  EXPECT_EQ(networks.calls_now(), 1);
}

TEST_F(AnalysisCacheLayerTest, WhenTheLeaderIsAbandonedAWaiterComputes) {
  CachingAnalyzer cache = make(64 * 1024 * 1024);
  networks.set_open(false);
  networks.fail = [] { throw Abandoned(); };
  auto leader = std::async(std::launch::async, [&] { return cache.analyze(image(64, 3), {}, interruption); });
  ASSERT_TRUE(networks.wait_for([&] { return networks.calls == 1; }));
  auto waiter = std::async(std::launch::async, [&] { return cache.analyze(image(64, 3), {}, interruption); });
  ASSERT_TRUE(networks.wait_for([&] { return flight_hits() == 1; }));
  networks.set_open(true);
  EXPECT_THROW(leader.get(), Abandoned);
  EXPECT_EQ(waiter.get().parse.at<std::uint8_t>(0, 0), 3);
  EXPECT_EQ(networks.calls_now(), 2);
}

TEST_F(AnalysisCacheLayerTest, TheMemoryLayerEvictsTheOldestAndStaysWithinItsBudget) {
  // Room for three analyses of a 100 x 100 image (10,000 parse bytes and a little more each).
  constexpr std::size_t kBudget = 38000;
  CachingAnalyzer cache = make(kBudget);
  cache.analyze(image(100, 0), {}, interruption);
  const std::size_t entry = std::stoul(metric("maskcomponent_analysis_cache_bytes"));
  ASSERT_GT(entry, 10000U);
  ASSERT_EQ(kBudget / entry, 3U) << "the test's arithmetic";
  for (std::uint8_t i = 1; i < 5; ++i) cache.analyze(image(100, i), {}, interruption);
  EXPECT_EQ(networks.calls_now(), 5);
  EXPECT_EQ(std::stoul(metric("maskcomponent_analysis_cache_bytes")), 3 * entry);
  // The newest three are kept: answered from memory, not the networks.
  for (std::uint8_t i = 2; i < 5; ++i) {
    EXPECT_EQ(cache.analyze(image(100, i), {}, interruption).parse.at<std::uint8_t>(0, 0), i);
  }
  EXPECT_EQ(networks.calls_now(), 5);
  EXPECT_EQ(metric(R"(maskcomponent_analysis_cache_hits_total{layer="memory"})"), "3");
  // The two oldest went: computed again.
  cache.analyze(image(100, 0), {}, interruption);
  cache.analyze(image(100, 1), {}, interruption);
  EXPECT_EQ(networks.calls_now(), 7);
  EXPECT_LE(std::stoul(metric("maskcomponent_analysis_cache_bytes")), kBudget);
}

// Issue 21: what was analysed with the digest of its image bytes is recalled
// by it (no networks, no pixels), while the memory layer keeps it.
TEST_F(AnalysisCacheLayerTest, AnImageKeptInMemoryIsRecalledByItsBytesDigestUntilEvicted) {
  constexpr std::size_t kBudget = 38000;  // three 100 x 100 analyses (as above)
  CachingAnalyzer cache = make(kBudget);
  EXPECT_FALSE(cache.recall("bytes-0")) << "nothing analysed yet";
  cache.analyze(image(100, 7), "bytes-0", interruption);
  cache.analyze(image(100, 7), "bytes-1", interruption);  // the same pixels in other bytes: a memory hit
  EXPECT_EQ(networks.calls_now(), 1);
  for (const char* digest : {"bytes-0", "bytes-1"}) {
    const auto recalled = cache.recall(digest);
    ASSERT_TRUE(recalled) << digest;
    EXPECT_EQ(recalled->parse.at<std::uint8_t>(0, 0), 7);
  }
  EXPECT_FALSE(cache.recall("bytes-2"));
  EXPECT_EQ(metric(R"(maskcomponent_analysis_cache_hits_total{layer="memory"})"), "3");
  EXPECT_EQ(networks.calls_now(), 1);
  // Four encodings of one image at most are known.
  for (const char* digest : {"bytes-2", "bytes-3", "bytes-4"}) cache.analyze(image(100, 7), digest, interruption);
  EXPECT_EQ(cache.recallable_digests(), 4U);
  EXPECT_TRUE(cache.recall("bytes-3"));
  EXPECT_FALSE(cache.recall("bytes-4"));
  EXPECT_EQ(networks.calls_now(), 1);
  // Three newer images push it out: its digests go with it.
  const std::vector<std::string> others = {"other-1", "other-2", "other-3"};
  for (std::uint8_t i = 1; i < 4; ++i) cache.analyze(image(100, i), others[i - 1U], interruption);
  EXPECT_FALSE(cache.recall("bytes-0"));
  EXPECT_FALSE(cache.recall("bytes-1"));
  EXPECT_EQ(cache.recallable_digests(), 3U) << "the evicted image's digests went with it";
  ASSERT_TRUE(cache.recall("other-3"));
  // Not kept in memory (larger than the budget): never recalled.
  cache.analyze(image(200, 9), "large", interruption);
  EXPECT_FALSE(cache.recall("large"));
}

TEST_F(AnalysisCacheLayerTest, AnAnalysisLargerThanTheWholeBudgetIsNotKept) {
  constexpr std::size_t kBudget = 35000;
  CachingAnalyzer cache = make(kBudget);
  cache.analyze(image(100, 1), {}, interruption);
  const std::string held = metric("maskcomponent_analysis_cache_bytes");
  // 200 x 200: 40,000 parse bytes, more than the budget.
  cache.analyze(image(200, 2), {}, interruption);
  EXPECT_EQ(metric("maskcomponent_analysis_cache_bytes"), held);
  cache.analyze(image(200, 2), {}, interruption);
  EXPECT_EQ(networks.calls_now(), 3);
  // What was kept stays kept.
  cache.analyze(image(100, 1), {}, interruption);
  EXPECT_EQ(networks.calls_now(), 3);
}

}  // namespace
}  // namespace mc::service

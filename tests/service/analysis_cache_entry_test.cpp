// What the analysis cache trusts (issue 27): sealed entries, bounded lists,
// the whole entry counted, the algorithm version in the key, no S3 layer
// without ANALYSIS_CACHE_KEY.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include "core/errors.hpp"
#include "inference/human_analyzer.hpp"
#include "inference/openvino_network.hpp"
#include "service/processing/analysis_cache.hpp"
#include "metric_lines.hpp"

namespace mc::service {
namespace {

const std::string kSecret(40, 's');

inference::HumanAnalysis sample() {
  inference::HumanAnalysis analysis;
  analysis.parse = cv::Mat(1024, 768, CV_8UC1, cv::Scalar(0));
  analysis.parse(cv::Rect(200, 300, 300, 400)).setTo(4);
  analysis.people_found = 2;
  analysis.warnings = {"2 people detected"};
  return analysis;
}

TEST(AnalysisCacheEntryTest, AnEntryOpensOnlyWithItsKeyAndSecret) {
  const std::string document = encode_analysis(sample(), "v1/models/pixels");
  const std::string sealed = seal_entry(document, "v1/models/pixels", kSecret);
  std::string problem;
  const auto opened = open_entry(sealed, "v1/models/pixels", kSecret, problem);
  ASSERT_TRUE(opened) << problem;
  EXPECT_EQ(*opened, document);
  ASSERT_TRUE(decode_analysis(*opened, "v1/models/pixels", problem)) << problem;

  // The entry of another image copied to this key: its self-declared key is
  // not what is trusted, the seal is.
  EXPECT_FALSE(open_entry(sealed, "v1/models/other", kSecret, problem));
  EXPECT_NE(problem.find("seal does not match"), std::string::npos) << problem;
  // Forged by someone without the secret, or tampered with.
  EXPECT_FALSE(
      open_entry(seal_entry(document, "v1/models/pixels", std::string(40, 'x')), "v1/models/pixels", kSecret, problem));
  std::string tampered = sealed;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_FALSE(open_entry(tampered, "v1/models/pixels", kSecret, problem));
  // What an earlier release wrote (the bare document).
  EXPECT_FALSE(open_entry(document, "v1/models/pixels", kSecret, problem));
  EXPECT_EQ(problem, "not sealed");
  // No secret: nothing opens.
  EXPECT_FALSE(open_entry(sealed, "v1/models/pixels", "", problem));
}

// The reviewed object: 519,732 warnings in 2 MiB, each logged on every hit.
TEST(AnalysisCacheEntryTest, AStoredAnalysisWithTooManyOrTooLongWarningsIsRefused) {
  nlohmann::json document = nlohmann::json::parse(encode_analysis(sample(), "k"));
  document["warnings"] = std::vector<std::string>(519732, "w");
  std::string problem;
  EXPECT_FALSE(decode_analysis(document.dump(), "k", problem));
  EXPECT_EQ(problem, "more than " + std::to_string(kMaxStoredWarnings) + " warnings");
  document["warnings"] = std::vector<std::string>{std::string(kMaxStoredWarningBytes + 1, 'w')};
  EXPECT_FALSE(decode_analysis(document.dump(), "k", problem));
  EXPECT_NE(problem.find("at most " + std::to_string(kMaxStoredWarningBytes) + " bytes"), std::string::npos);
  document["warnings"] = std::vector<std::string>(kMaxStoredWarnings, std::string(kMaxStoredWarningBytes, 'w'));
  EXPECT_TRUE(decode_analysis(document.dump(), "k", problem)) << problem;
}

TEST(AnalysisCacheEntryTest, TheKeyCarriesTheAlgorithmVersion) {
  EXPECT_EQ(analysis_key("models", "pixels"), "v" + std::to_string(kAnalysisAlgorithmVersion) + "/models/pixels");
}

// INFERENCE_PRECISION=bf16 gives other parse maps than fp32: the pool's
// resolved precision is part of the key, so the two never share entries.
// fp32 adds nothing: earlier releases' entries stay valid.
TEST(AnalysisCacheEntryTest, Bf16AndFp32AnalysesNeverShareAKey) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "OpenVINO's TBB dlopens libtbbbind with RTLD_DEEPBIND, which ASan refuses (google/sanitizers#611): "
                  "the release build runs this test";
#endif
  const std::filesystem::path models = std::filesystem::path(MC_TEST_MODELS_DIR) / "one_person";
  inference::ModelSettings settings;
  settings.checkpoints_dir = models;
  settings.gpu_id = -1;
  settings.runtime.intra_op_threads = 1;
  settings.runtime.precision = "bf16";
  std::ostringstream lines;
  auto log = std::make_shared<spdlog::logger>("bf16", std::make_shared<spdlog::sinks::ostream_sink_st>(lines));
  const inference::AnalyzerPool pool(settings, 1, *log);
  const std::string precision = inference::precision_name(pool.device());
  const inference::CheckpointPaths paths = inference::locate_checkpoints(models, inference::PoseModel::kOpenPose);
  if (inference::cpu_bf16_instructions().empty()) {
    EXPECT_EQ(precision, "fp32") << lines.str();  // warned and ran fp32 (generate_cli_test)
  } else {
    EXPECT_EQ(precision, "bf16") << lines.str();
  }
  EXPECT_NE(model_fingerprint(paths, settings, "bf16"), model_fingerprint(paths, settings, "fp32"));
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

TEST(AnalysisCacheEntryTest, TheKeyIsASecretOfAtLeast32Bytes) {
  EXPECT_EQ(read({}).key, "");
  EXPECT_EQ(read({{"ANALYSIS_CACHE_KEY", kSecret}}).key, kSecret);
  EXPECT_THROW(read({{"ANALYSIS_CACHE_KEY", "short"}}), core::SetupError);
  const auto file = std::filesystem::temp_directory_path() / ("mc-cache-key-" + std::to_string(::getpid()));
  std::ofstream(file) << kSecret << "\n";
  EXPECT_EQ(read({{"ANALYSIS_CACHE_KEY_FILE", file.string()}}).key, kSecret);
  std::filesystem::remove(file);
}

// Answers a 100 x 100 map with `warnings` (as the networks would, had pose
// post-processing a bug).
struct WarningAnalyzer final : Analyzer {
  std::vector<std::string> warnings;
  int calls = 0;
  inference::HumanAnalysis analyze(const cv::Mat& person, const std::string&, const Interruption&) override {
    ++calls;
    inference::HumanAnalysis analysis;
    analysis.parse = cv::Mat::zeros(person.rows, person.cols, CV_8UC1);
    analysis.warnings = warnings;
    return analysis;
  }
};

class AnalysisCacheBudgetTest : public ::testing::Test {
 protected:
  CachingAnalyzer make(const std::string& key, std::size_t memory_bytes = 64U << 20U) {
    adapters::S3Settings s3;
    s3.endpoint = std::string("127.0.0.1:1");  // closed: every S3 call fails at once
    s3.bucket = std::string("cache");
    s3.access_key = std::string("k");
    s3.secret_key = std::string("s");
    AnalysisCacheSettings settings;
    settings.memory_bytes = memory_bytes;
    settings.key = key;
    return {networks, s3, settings, "models", metrics, *log};
  }
  double metric(const std::string& series) {
    const std::string line = line_of(metrics.text(), series);
    return line.empty() ? -1 : std::stod(line.substr(series.size() + 1));
  }

  WarningAnalyzer networks;
  ServiceMetrics metrics{BuildInfo{"test", "test"}};
  std::ostringstream log_text;
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_st>(log_text));
  StopState stop;
  const Interruption interruption = Interruption::for_request(stop);
};

TEST_F(AnalysisCacheBudgetTest, TheWholeEntryCountsTowardTheMemoryBudget) {
  networks.warnings = std::vector<std::string>(2000, std::string(1000, 'w'));  // 2 MB beside 10 KB of pixels
  CachingAnalyzer cache = make("");
  cache.analyze(cv::Mat(100, 100, CV_8UC3, cv::Scalar(1, 2, 3)), "", interruption);
  EXPECT_GT(metric("maskcomponent_analysis_cache_bytes"), 2e6);
  // Within a 1 MB budget it is not kept at all.
  CachingAnalyzer small = make("", 1U << 20U);
  const cv::Mat image(100, 100, CV_8UC3, cv::Scalar(4, 5, 6));
  small.analyze(image, "", interruption);
  small.analyze(image, "", interruption);
  EXPECT_EQ(networks.calls, 3);
}

TEST_F(AnalysisCacheBudgetTest, WithoutAKeyTheBucketIsNeitherReadNorWritten) {
  CachingAnalyzer cache = make("");
  cache.analyze(cv::Mat(10, 10, CV_8UC3, cv::Scalar(1, 2, 3)), "", interruption);
  EXPECT_EQ(metric("maskcomponent_analysis_cache_errors_total"), 0) << "no S3 call was made";
  EXPECT_NE(log_text.str().find("ANALYSIS_CACHE_KEY is not set"), std::string::npos) << log_text.str();
  // With one, the (closed) bucket is asked: a read and a write that fail.
  CachingAnalyzer keyed = make(kSecret);
  keyed.analyze(cv::Mat(10, 10, CV_8UC3, cv::Scalar(7, 8, 9)), "", interruption);
  EXPECT_EQ(metric("maskcomponent_analysis_cache_errors_total"), 2);
}

}  // namespace
}  // namespace mc::service

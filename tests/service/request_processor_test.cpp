// RequestProcessor driven through in-memory fakes of its ports: the decisions
// it makes (validate, answer from the record, fail on a permanent refusal),
// without servers. The same paths against real servers: integration/.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <new>
#include <sstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

// ONNX Runtime only for the exceptions a failing analysis throws; the fakes need none of it.
#include <onnxruntime_cxx_api.h>
#include <opencv2/imgcodecs.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/dependency_error.hpp"
#include "core/base64.hpp"
#include "core/mask_request.hpp"
#include "service/http/http_api.hpp"
#include "service/processing/request_processor.hpp"

namespace mc::service {
namespace {

using nlohmann::json;

struct FakeStore final : RequestStore {
  std::map<std::pair<std::string, std::string>, core::RequestRecord> records;
  int finds = 0, started = 0, completed = 0, failed = 0, upserts = 0;
  bool refuse_failed = false;  // marking a record failed is refused for good

  std::optional<core::RequestRecord> find_request(const std::string& user_id, const std::string& request_id) override {
    ++finds;
    const auto found = records.find({user_id, request_id});
    if (found == records.end()) return std::nullopt;
    return found->second;
  }
  std::unique_ptr<RequestClaim> try_claim_request(const std::string&, const std::string&) override {
    return std::make_unique<RequestClaim>();
  }
  bool record_request_started(const core::RequestRecord& record) override {
    ++started;
    records[{record.user_id, record.request_id}] = record;
    return true;
  }
  void record_request_options(const std::string& user_id, const std::string& request_id,
                              const nlohmann::json& options) override {
    records[{user_id, request_id}].options = options;
  }
  void record_request_completed(const std::string& user_id, const std::string& request_id,
                                const std::map<core::MaskType, std::string>& filenames) override {
    ++completed;
    auto& record = records[{user_id, request_id}];
    record.status = core::RequestStatus::kCompleted;
    record.filenames = filenames;
  }
  void record_request_failed(const std::string& user_id, const std::string& request_id,
                             const std::string& error) override {
    ++failed;
    if (refuse_failed)
      throw adapters::DependencyError(adapters::DependencyError::Kind::kPermanent, "permission denied");
    auto& record = records[{user_id, request_id}];
    record.status = core::RequestStatus::kFailed;
    record.error = error;
  }
  bool upsert_user_masks(const core::UserMasksRow&, const core::MessagePosition&) override {
    ++upserts;
    return true;
  }
};

struct FakeMasks final : MaskStorage {
  bool refuse = false;
  int puts = 0;
  std::vector<std::string> keys;
  void put_object(const std::string& key, std::string_view, const std::string&) override {
    ++puts;
    if (refuse) throw adapters::DependencyError(adapters::DependencyError::Kind::kPermanent, "HTTP 403 AccessDenied");
    keys.push_back(key);
  }
};

struct FakeImages final : ImageSource {
  int fetches = 0;
  std::string fetch(const std::string&, const std::function<bool()>&) override {
    ++fetches;
    throw adapters::ImageFetchError(false, "Failed to download image: HTTP 404");
  }
};

struct FakeAnalyzer final : Analyzer {
  int calls = 0;
  int throws = 0;  // the first `throws` calls throw `thrown`
  std::function<void()> thrown;
  std::vector<std::string> digests;  // analyze's, in order
  bool remembers = false;            // recall() answers for the digests analysed
  std::map<std::string, inference::HumanAnalysis> remembered;
  int recalls = 0;  // recall()'s answers
  inference::HumanAnalysis analyze(const cv::Mat& person, const std::string& image_digest,
                                   const Interruption&) override {
    ++calls;
    digests.push_back(image_digest);
    if (calls <= throws) thrown();
    inference::HumanAnalysis analysis;
    analysis.parse = cv::Mat::zeros(person.rows, person.cols, CV_8UC1);
    if (remembers) remembered[image_digest] = analysis;
    return analysis;
  }
  std::optional<inference::HumanAnalysis> recall(const std::string& image_digest) override {
    const auto found = remembered.find(image_digest);
    if (found == remembered.end()) return std::nullopt;
    ++recalls;
    return found->second;
  }
};

// A small grey PNG as base64.
std::string png_base64() {
  std::vector<std::uint8_t> png;
  cv::imencode(".png", cv::Mat(40, 30, CV_8UC3, cv::Scalar(120, 130, 140)), png);
  return core::encode_base64(std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
}

class RequestProcessorTest : public ::testing::Test {
 protected:
  RequestProcessorTest() {
    settings.default_mask_types = {core::MaskType::kDress};
    settings.storage.base_url = "http://h/masks";
    settings.claim_wait = std::chrono::seconds(1);
  }

  Outcome process(const json& message) {
    const std::string text = message.dump();
    const core::IncomingMessage incoming = core::read_message(text);
    const Interruption interruption = Interruption::for_request(stop);
    return processor.process(text, incoming, core::MessagePosition{0, 7, 1000}, interruption);
  }

  ServiceSettings settings;
  FakeStore store;
  FakeMasks masks;
  FakeImages images;
  FakeAnalyzer analyzer;
  RetryPolicy retry{RetrySettings{std::chrono::milliseconds(1), std::chrono::milliseconds(2), 3}};
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  StopState stop;
  RequestProcessor processor{settings, {store, masks, images, analyzer}, retry, *log};
};

TEST_F(RequestProcessorTest, AnInvalidRequestFailsWithoutARecord) {
  const Outcome outcome = process({{"gender", "M"}, {"image", {{"type", "url"}, {"data", "http://x/y"}}}});
  EXPECT_EQ(outcome.kind, OutcomeKind::kFailed);
  EXPECT_EQ(outcome.failure, FailureKind::kInvalidRequest);
  EXPECT_EQ(outcome.result["error"], "Invalid request: user_id is required");
  EXPECT_EQ(outcome.result["gender"], "M");
  ASSERT_TRUE(outcome.poison);
  EXPECT_EQ(outcome.poison->retry_count, 0);
  EXPECT_EQ(store.finds + store.started + store.failed + store.completed + store.upserts, 0);
  EXPECT_TRUE(store.records.empty());
  EXPECT_EQ(analyzer.calls, 0);
}

TEST_F(RequestProcessorTest, ACompletedRecordIsAnsweredWithoutAnalysis) {
  core::RequestRecord record;
  record.user_id = "u";
  record.request_id = "r";
  record.gender = core::Gender::kFemale;
  record.status = core::RequestStatus::kCompleted;
  record.filenames = {{core::MaskType::kDress, "dress_mask.png"}};
  store.records[{"u", "r"}] = record;
  const Outcome outcome =
      process({{"user_id", "u"}, {"request_id", "r"}, {"image", {{"type", "url"}, {"data", "http://x/y"}}}});
  EXPECT_EQ(outcome.kind, OutcomeKind::kAnsweredFromRecord);
  EXPECT_FALSE(outcome.failure);
  EXPECT_FALSE(outcome.poison);
  EXPECT_EQ(outcome.result["status"], "completed");
  EXPECT_EQ(outcome.result["gender"], "F") << "the recorded request's gender";
  EXPECT_EQ(outcome.result["mask_paths"], json({{"dress", "http://h/masks/u/r/dress_mask.png"}}));
  EXPECT_EQ(analyzer.calls, 0);
  EXPECT_EQ(images.fetches, 0);
  EXPECT_EQ(store.started, 0);
  EXPECT_EQ(masks.puts, 0);
}

// Issue 20 review: the record answers for the request id. A copy with other
// options gets what the record holds, and the log says so.
TEST_F(RequestProcessorTest, AReplayWithOtherOptionsIsAnsweredFromTheRecordWithAWarning) {
  std::ostringstream lines;
  log->sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  core::RequestRecord record;
  record.user_id = "u";
  record.request_id = "r";
  record.status = core::RequestStatus::kCompleted;
  record.filenames = {{core::MaskType::kDress, "dress_mask.png"}};
  record.options = json{{"options", {{"dilate_px", 3}, {"report", true}}},
                        {"artifacts", {{"dress", {{"mask", "dress_mask.png"}}}}},
                        {"mask_info", {{"view", "front"}}}};
  store.records[{"u", "r"}] = record;
  const auto replay = [&](const json& options) {
    return process({{"user_id", "u"},
                    {"request_id", "r"},
                    {"options", options},
                    {"image", {{"type", "url"}, {"data", "http://x/y"}}}});
  };
  const Outcome other = replay({{"dilate_px", 9}});
  EXPECT_EQ(other.kind, OutcomeKind::kAnsweredFromRecord);
  EXPECT_EQ(other.result["artifacts"], json({{"dress", {{"mask", "http://h/masks/u/r/dress_mask.png"}}}}));
  EXPECT_EQ(other.result["mask_info"], json({{"view", "front"}}));
  EXPECT_NE(lines.str().find("options_differ"), std::string::npos) << lines.str();
  lines.str("");
  EXPECT_EQ(replay({{"dilate_px", 3.0}}).kind, OutcomeKind::kAnsweredFromRecord);
  EXPECT_EQ(lines.str().find("options_differ"), std::string::npos) << "the same options: " << lines.str();
  EXPECT_EQ(analyzer.calls, 0);
  EXPECT_EQ(images.fetches, 0);
}

TEST_F(RequestProcessorTest, APermanentStorageRefusalFailsAsInfrastructureAfterTheAttempts) {
  masks.refuse = true;
  const Outcome outcome =
      process({{"user_id", "u"}, {"request_id", "r"}, {"image", {{"type", "base64"}, {"data", png_base64()}}}});
  EXPECT_EQ(outcome.kind, OutcomeKind::kFailed);
  EXPECT_EQ(outcome.failure, FailureKind::kInfrastructure);
  EXPECT_EQ(masks.puts, 3) << "DEPENDENCY_PERMANENT_ATTEMPTS";
  EXPECT_EQ(outcome.result["error"], "Infrastructure refused the request: HTTP 403 AccessDenied");
  ASSERT_TRUE(outcome.poison);
  EXPECT_EQ(outcome.poison->retry_count, 3);
  EXPECT_EQ(analyzer.calls, 1);
  EXPECT_EQ(store.failed, 1);
  EXPECT_EQ(store.records.at({"u", "r"}).status, core::RequestStatus::kFailed);
  EXPECT_EQ(store.upserts, 0);
}

TEST_F(RequestProcessorTest, ARequestIsComputedUploadedAndRecorded) {
  const Outcome outcome =
      process({{"user_id", "u"}, {"request_id", "r"}, {"image", {{"type", "base64"}, {"data", png_base64()}}}});
  EXPECT_EQ(outcome.kind, OutcomeKind::kCompleted);
  EXPECT_FALSE(outcome.failure);
  EXPECT_EQ(outcome.result["mask_paths"], json({{"dress", "http://h/masks/u/r/dress_mask.png"}}));
  EXPECT_EQ(masks.keys, std::vector<std::string>{"u/r/dress_mask.png"});
  EXPECT_EQ(store.upserts, 1);
  EXPECT_EQ(store.records.at({"u", "r"}).status, core::RequestStatus::kCompleted);
}

TEST_F(RequestProcessorTest, APermanentDownloadFailureIsImageUnavailable) {
  const Outcome outcome =
      process({{"user_id", "u"}, {"request_id", "r"}, {"image", {{"type", "url"}, {"data", "http://x/y"}}}});
  EXPECT_EQ(outcome.failure, FailureKind::kImageUnavailable);
  EXPECT_EQ(outcome.result["error"], "Failed to download image: HTTP 404");
  EXPECT_EQ(images.fetches, 1);
  EXPECT_EQ(analyzer.calls, 0);
}

TEST_F(RequestProcessorTest, AFailureWhoseRecordIsRefusedStillEndsWithItsFailedResult) {
  store.refuse_failed = true;
  const Outcome outcome =
      process({{"user_id", "u"}, {"request_id", "r"}, {"image", {{"type", "url"}, {"data", "http://x/y"}}}});
  EXPECT_EQ(outcome.failure, FailureKind::kImageUnavailable) << "the request's own failure, not the record's";
  EXPECT_EQ(outcome.result["error"], "Failed to download image: HTTP 404");
  ASSERT_TRUE(outcome.poison);
  EXPECT_EQ(outcome.poison->retry_count, 0);
  EXPECT_EQ(store.failed, 3) << "DEPENDENCY_PERMANENT_ATTEMPTS";
}

TEST_F(RequestProcessorTest, UndecodableBytesAreAnInvalidImage) {
  const Outcome outcome = process({{"user_id", "u"},
                                   {"request_id", "r"},
                                   {"image", {{"type", "base64"}, {"data", core::encode_base64("not an image")}}}});
  EXPECT_EQ(outcome.failure, FailureKind::kInvalidImage);
  EXPECT_EQ(outcome.result["error"].get<std::string>().rfind("Invalid image data: ", 0), 0U);
}

// Issue 16: an inline image is bounded by IMAGE_MAX_BYTES like a download,
// refused before decoding and naming the sizes.
TEST_F(RequestProcessorTest, ABase64ImageOverImageMaxBytesIsAnInvalidImage) {
  const std::string data = png_base64();
  const std::size_t bytes = core::decode_base64(data).size();
  settings.fetch.max_bytes = bytes - 1;
  const Outcome outcome =
      process({{"user_id", "u"}, {"request_id", "r"}, {"image", {{"type", "base64"}, {"data", data}}}});
  EXPECT_EQ(outcome.failure, FailureKind::kInvalidImage);
  EXPECT_EQ(outcome.result["error"], "Invalid image data: image is too large: base64 text of " +
                                         std::to_string(data.size()) + " characters holds " + std::to_string(bytes) +
                                         " bytes, over IMAGE_MAX_BYTES of " + std::to_string(bytes - 1) + " bytes");
  EXPECT_EQ(analyzer.calls, 0);
  settings.fetch.max_bytes = bytes;
  EXPECT_EQ(process({{"user_id", "u"}, {"request_id", "r2"}, {"image", {{"type", "base64"}, {"data", data}}}}).kind,
            OutcomeKind::kCompleted)
      << "an image of exactly IMAGE_MAX_BYTES is accepted";
}

// Issue 16: a 1 x 65535 PNG (a few hundred bytes) would pad to a
// 49151 x 65535 canvas (9.6 GB) for the 3:4 crop.
TEST_F(RequestProcessorTest, AnImageWhosePaddedCropExceedsMaxImagePixelsIsAnInvalidImage) {
  std::vector<std::uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(65535, 1, CV_8UC3, cv::Scalar::all(90)), png));
  const std::string data = core::encode_base64(std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
  const Outcome outcome =
      process({{"user_id", "u"}, {"request_id", "r"}, {"image", {{"type", "base64"}, {"data", data}}}});
  EXPECT_EQ(outcome.failure, FailureKind::kInvalidImage);
  EXPECT_EQ(outcome.result["error"],
            "Invalid image data: image is too narrow: 1 x 65535 pads to 49151 x 65535 = 3221.1 MP for the 3:4 crop, "
            "over the limit of 40.0 MP");
  EXPECT_EQ(analyzer.calls, 0);
}

TEST_F(RequestProcessorTest, AMessageWithoutRequestIdIsTheSameRequestWhenDeliveredAgain) {
  const json message = {{"user_id", "u"}, {"image", {{"type", "base64"}, {"data", png_base64()}}}};
  const Outcome first = process(message);
  EXPECT_EQ(first.kind, OutcomeKind::kCompleted);
  EXPECT_EQ(first.result["request_id"], "kafka-mask_input-0-7") << "topic, partition and offset";
  const Outcome again = process(message);  // redelivered after a crash: same position
  EXPECT_EQ(again.kind, OutcomeKind::kAnsweredFromRecord);
  EXPECT_EQ(again.result["request_id"], "kafka-mask_input-0-7");
  EXPECT_EQ(again.result["mask_paths"], first.result["mask_paths"]);
  EXPECT_EQ(analyzer.calls, 1) << "computed once";
  EXPECT_EQ(masks.puts, 1);
}

TEST_F(RequestProcessorTest, AClientCannotClaimTheIdDerivedForALaterMessageWithoutOne) {
  const json image = {{"type", "base64"}, {"data", png_base64()}};
  const Outcome claim = process({{"user_id", "u"}, {"request_id", "kafka-mask_input-0-7"}, {"image", image}});
  EXPECT_EQ(claim.failure, FailureKind::kInvalidRequest);
  ASSERT_TRUE(claim.poison) << "refused as poison, with the reason";
  EXPECT_EQ(claim.result["error"],
            "Invalid request: request_id starts with \"kafka-\", which is reserved for the ids the service gives "
            "messages without a request_id");
  EXPECT_EQ(http_status_of(claim), 400) << "the HTTP API answers 400";
  EXPECT_TRUE(store.records.empty());
  const Outcome later = process({{"user_id", "u"}, {"image", image}});  // at partition 0, offset 7
  EXPECT_EQ(later.kind, OutcomeKind::kCompleted) << "computed for itself, not answered from another's record";
  EXPECT_EQ(analyzer.calls, 1);
}

TEST_F(RequestProcessorTest, AnOnnxRuntimeErrorIsAnInferenceFailureWithItsRecordFailed) {
  analyzer.throws = 1;
  analyzer.thrown = [] { throw Ort::Exception("Non-zero status code returned while running Conv node", ORT_FAIL); };
  const Outcome outcome =
      process({{"user_id", "u"}, {"request_id", "r"}, {"image", {{"type", "base64"}, {"data", png_base64()}}}});
  EXPECT_EQ(outcome.failure, FailureKind::kInference);
  EXPECT_EQ(outcome.result["error"], "Mask generation failed: Non-zero status code returned while running Conv node");
  EXPECT_EQ(store.records.at({"u", "r"}).status, core::RequestStatus::kFailed) << "never left processing";
}

TEST_F(RequestProcessorTest, ExhaustedMemoryIsRetriedUntilTheAnalysisPasses) {
  const std::vector<std::function<void()>> exhaustions = {
      [] { throw std::bad_alloc(); },
      [] { throw cv::Exception(cv::Error::StsNoMem, "Failed to allocate 1 bytes", "f", "file", 1); },
      [] { throw Ort::Exception("CUDA failure 2: out of memory", ORT_RUNTIME_EXCEPTION); }};
  int request = 0;
  for (const auto& exhaustion : exhaustions) {
    analyzer.calls = 0;
    analyzer.throws = 2;
    analyzer.thrown = exhaustion;
    const std::string id = std::to_string(++request) + "-r";
    const Outcome outcome =
        process({{"user_id", "u"}, {"request_id", id}, {"image", {{"type", "base64"}, {"data", png_base64()}}}});
    EXPECT_EQ(outcome.kind, OutcomeKind::kCompleted) << id;
    EXPECT_EQ(analyzer.calls, 3) << "two exhausted attempts, then the one that passed";
    EXPECT_EQ(store.records.at({"u", id}).status, core::RequestStatus::kCompleted);
  }
}

// Issue 21: bytes analysed before are answered without decoding them,
// unless an output is made of the photo's pixels (agnostic, cutout) or the
// decoding limits changed (then they are decoded under the new ones).
TEST_F(RequestProcessorTest, ImageBytesAnalysedBeforeAreRecalledUnlessAnOutputIsMadeOfThePhotoOrTheLimitsDiffer) {
  analyzer.remembers = true;
  const std::string data = png_base64();
  const auto request = [&](const std::string& id, const json& options) {
    json message = {{"user_id", "u"}, {"request_id", id}, {"image", {{"type", "base64"}, {"data", data}}}};
    if (!options.is_null()) message["options"] = options;
    return process(message);
  };
  ASSERT_EQ(request("r1", nullptr).kind, OutcomeKind::kCompleted);
  ASSERT_EQ(analyzer.digests.size(), 1U);
  EXPECT_EQ(analyzer.digests[0].size(), 64U) << "a SHA-256";

  const Outcome again = request("r2", nullptr);
  EXPECT_EQ(again.kind, OutcomeKind::kCompleted) << again.result.dump();
  EXPECT_EQ(analyzer.recalls, 1);
  EXPECT_EQ(analyzer.calls, 1) << "recalled, not analysed";
  EXPECT_EQ(masks.keys.back(), "u/r2/dress_mask.png");
  EXPECT_EQ(request("r3", {{"outputs", {"mask", "soft"}}, {"feather_px", 3}}).kind, OutcomeKind::kCompleted);
  EXPECT_EQ(analyzer.recalls, 2) << "a soft mask is made of the analysis alone";

  EXPECT_EQ(request("r4", {{"outputs", {"mask", "cutout"}}}).kind, OutcomeKind::kCompleted);
  EXPECT_EQ(analyzer.recalls, 2) << "decoded: the cutout is made of the photo";
  EXPECT_EQ(analyzer.calls, 2);
  EXPECT_EQ(analyzer.digests[1], analyzer.digests[0]);
  EXPECT_EQ(masks.keys.back(), "u/r4/dress_cutout.png");

  settings.max_image_pixels = 100;  // the 30 x 40 image no longer decodes
  const Outcome limited = request("r5", nullptr);
  EXPECT_EQ(limited.failure, FailureKind::kInvalidImage) << "decoded under the new limit, not recalled";
  EXPECT_EQ(analyzer.recalls, 2);
}

TEST(DerivedRequestId, KeepsWithinTheIdRulesForTheLongestTopic) {
  EXPECT_EQ(core::derived_request_id("mask_input", 3, 42), "kafka-mask_input-3-42");
  const std::string id = core::derived_request_id(std::string(249, 't'), 2147483647, 9223372036854775807);
  EXPECT_EQ(core::id_problem(id), "");
  EXPECT_EQ(id.size(), 255U);
  EXPECT_TRUE(id.ends_with("-2147483647-9223372036854775807"));
}

}  // namespace
}  // namespace mc::service

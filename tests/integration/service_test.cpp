// `maskcomponent serve` as it runs in production (harness in
// service_harness.hpp): the Python service's formats, failures, retries and outages.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "integration/service_harness.hpp"

namespace {

using namespace mc::service_test;
using nlohmann::json;
using namespace std::chrono_literals;

TEST_F(ServiceTest, UrlAndBase64RequestsGiveTheSeedsResultsMasksRowsAndRecords) {
  send(request("123", "req-url", {{"type", "url"}, {"data", images->url("/figure.png")}}));
  send(request("456", "req-b64",
               {{"type", "base64"}, {"data", "data:image/png;base64," + mc::core::encode_base64(figure_png)}},
               json::array({"upper_body_tshirts", "dress"})));
  start_service();
  const auto results = by_request(kafka->read(output, 2, 90s));
  ASSERT_EQ(results.size(), 2U);

  const json& url_result = results.at("req-url");
  EXPECT_EQ(url_result["status"], "completed");
  EXPECT_EQ(url_result["user_id"], "123");
  EXPECT_EQ(url_result["gender"], "M");
  EXPECT_EQ(url_result["mask_paths"].size(), 7U);
  EXPECT_TRUE(url_result.contains("processed_at"));
  EXPECT_EQ(url_result["processed_at"].get<std::string>().size(), 20U) << "ISO 8601 UTC, seconds";
  for (const auto& [type, url] : url_result["mask_paths"].items()) {
    EXPECT_EQ(url, env["BASE_URL"] + "/123/req-url/" + type + "_mask.png");
    const HttpResult file = http_get(url.get<std::string>());
    ASSERT_EQ(file.status, 200) << url;
    const cv::Mat mask =
        cv::imdecode(std::vector<std::uint8_t>(file.body.begin(), file.body.end()), cv::IMREAD_UNCHANGED);
    EXPECT_EQ(mask.size(), cv::Size(768, 1024)) << type;
    EXPECT_EQ(mask.type(), CV_8UC1) << type;
  }
  const json& b64_result = results.at("req-b64");
  EXPECT_EQ(b64_result["status"], "completed");
  EXPECT_EQ(b64_result["mask_paths"].size(), 2U);
  EXPECT_TRUE(b64_result["mask_paths"].contains("dress"));

  const auto row = query(
      "SELECT request_id, gender, upper_body_tshirts_mask, dress_mask, upper_body_mask "
      "FROM user_mask_outputs WHERE user_id = '456'")[0];
  EXPECT_EQ(row[0].as<std::string>(), "req-b64");
  EXPECT_EQ(row[1].as<std::string>(), "M");
  EXPECT_EQ(row[2].as<std::string>(), "upper_body_tshirts_mask.png");
  EXPECT_EQ(row[3].as<std::string>(), "dress_mask.png");
  EXPECT_TRUE(row[4].is_null());
  const auto record = query("SELECT status, attempts FROM mask_requests WHERE request_id = 'req-url'")[0];
  EXPECT_EQ(record[0].as<std::string>(), "completed");
  EXPECT_EQ(record[1].as<int>(), 1);
  EXPECT_TRUE(kafka->read(poison, 1, 2s).empty());
  EXPECT_EQ(service->stop(), 0);

  // Every log line is one JSON object with the structured fields.
  std::istringstream lines(service->log_text());
  std::string line;
  int request_lines = 0;
  while (std::getline(lines, line)) {
    const json entry = json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << line;
    for (const char* field : {"timestamp", "level", "logger", "message"}) EXPECT_TRUE(entry.contains(field)) << line;
    if (entry.value("request_id", "") == "req-url") {
      ++request_lines;
      EXPECT_EQ(entry["user_id"], "123") << line;
      EXPECT_TRUE(entry.contains("stage") && entry.contains("event")) << line;
    }
  }
  EXPECT_GE(request_lines, 4);
}

TEST_F(ServiceTest, SendWaitPrintsTheResultOfItsRequest) {
  start_service();
  const fs::path photo = fs::temp_directory_path() / ("mc_send_" + suffix + ".png");
  std::ofstream(photo, std::ios::binary) << figure_png;
  std::string command = "env";
  for (const auto& [name, value] : env) command += " " + name + "=" + value;
  const auto run = mc::test_support::run_command(
      command + " " + MC_CLI_PATH + " send --user-id 77 --gender F --image-path " + photo.string() +
      " --mask-types dress,lower_body --request-id req-send --wait --timeout 90");
  fs::remove(photo);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto json_start = run.output.find('{');
  ASSERT_NE(json_start, std::string::npos) << run.output;
  const json result = json::parse(run.output.substr(json_start, run.output.rfind('}') - json_start + 1));
  EXPECT_EQ(result["request_id"], "req-send");
  EXPECT_EQ(result["status"], "completed");
  EXPECT_EQ(result["gender"], "F");
  EXPECT_EQ(result["mask_paths"].size(), 2U);
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(ServiceTest, EachPermanentFailureGivesOneFailedResultAndOnePoisonMessage) {
  kafka->publish(input, "bad", "{not json");
  send(json{{"gender", "M"}, {"request_id", "req-no-user"}, {"image", {{"type", "url"}, {"data", "x"}}}});
  send(request("a/b", "req-slash", {{"type", "url"}, {"data", images->url("/figure.png")}}));
  send(request("7", "req-type", {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"hat"})));
  send(request("8", "req-404", {{"type", "url"}, {"data", images->url("/missing.png")}}));
  send(request("9", "req-garbage", {{"type", "base64"}, {"data", mc::core::encode_base64("not an image")}}));
  start_service();
  const auto results = kafka->read(output, 6, 60s);
  const auto poisons = kafka->read(poison, 6, 30s);
  ASSERT_EQ(results.size(), 6U);
  ASSERT_EQ(poisons.size(), 6U);
  for (const auto& result : results) {
    EXPECT_EQ(result["status"], "failed") << result.dump();
    EXPECT_TRUE(result["mask_paths"].empty());
  }
  const auto failed = by_request(results);
  EXPECT_NE(failed.at("req-404")["error"].get<std::string>().find("Failed to download image: HTTP 404"),
            std::string::npos);
  EXPECT_NE(failed.at("req-slash")["error"].get<std::string>().find("user_id contains \"/\""), std::string::npos);
  EXPECT_NE(failed.at("req-type")["error"].get<std::string>().find("hat"), std::string::npos);
  EXPECT_NE(failed.at("req-no-user")["error"].get<std::string>().find("user_id is required"), std::string::npos);
  EXPECT_NE(failed.at("req-garbage")["error"].get<std::string>().find("Invalid image data"), std::string::npos);
  EXPECT_NE(failed.at("")["error"].get<std::string>().find("not valid JSON"), std::string::npos);
  for (const auto& message : poisons) {
    EXPECT_EQ(message["retry_count"], 0) << message.dump();
    EXPECT_TRUE(message.contains("original_message"));
    EXPECT_EQ(message["status"], "failed");
  }
  EXPECT_EQ(by_request(poisons).at("")["original_message"], "{not json");
  EXPECT_EQ(images->hits("missing"), 1) << "a 404 is not retried";
  EXPECT_EQ(service->stop(), 0);
}

// Issue 20: options shape the masks, add artifacts beside them and mask_info
// to the result; a replay is answered from the record with the same. About 10 s.
TEST_F(ServiceTest, ARequestWithOptionsGetsItsArtifactsAndMaskInfoAlsoWhenReplayed) {
  json message = request("21", "req-options", {{"type", "url"}, {"data", images->url("/figure.png")}},
                         json::array({"upper_body", "lower_body"}));
  message["options"] = {
      {"dilate_px", 4}, {"protect", {"hands", "face"}}, {"feather_px", 6}, {"outputs", {"agnostic", "cutout"}}};
  send(message);
  send(message);
  start_service();
  const auto results = kafka->read(output, 2, 90s);
  ASSERT_EQ(results.size(), 2U);
  for (const auto& result : results) ASSERT_EQ(result["status"], "completed") << result.dump();
  EXPECT_EQ(results[0]["artifacts"], results[1]["artifacts"]);
  EXPECT_EQ(results[0]["mask_info"], results[1]["mask_info"]);
  EXPECT_EQ(images->hits("figure"), 1) << "the replay was answered from the record";
  const json& result = results[0];
  const json& info = result["mask_info"];
  EXPECT_EQ(info["person_count"], 1);
  EXPECT_TRUE(info["keypoint_confidence"].is_number());
  EXPECT_TRUE(info["view"].is_string());
  const std::map<std::string, std::pair<std::string, int>> outputs = {{"mask", {"_mask.png", CV_8UC1}},
                                                                      {"soft", {"_mask_soft.png", CV_8UC1}},
                                                                      {"agnostic", {"_agnostic.png", CV_8UC3}},
                                                                      {"cutout", {"_cutout.png", CV_8UC4}}};
  ASSERT_EQ(result["artifacts"].size(), 2U);
  for (const auto& [type, artifacts] : result["artifacts"].items()) {
    ASSERT_EQ(artifacts.size(), outputs.size()) << type;
    EXPECT_EQ(artifacts["mask"], result["mask_paths"][type]);
    std::map<std::string, cv::Mat> images_of;
    for (const auto& [kind, expected] : outputs) {
      const std::string url = artifacts.at(kind).get<std::string>();
      EXPECT_EQ(url, env["BASE_URL"] + "/21/req-options/" + type + expected.first);
      const HttpResult file = http_get(url);
      ASSERT_EQ(file.status, 200) << url;
      images_of[kind] =
          cv::imdecode(std::vector<std::uint8_t>(file.body.begin(), file.body.end()), cv::IMREAD_UNCHANGED);
      EXPECT_EQ(images_of[kind].size(), cv::Size(768, 1024)) << url;
      EXPECT_EQ(images_of[kind].type(), expected.second) << url;
    }
    const cv::Mat& mask = images_of["mask"];
    const json& entry = info["masks"][type];
    EXPECT_DOUBLE_EQ(entry["area_fraction"].get<double>(), cv::countNonZero(mask) / (768.0 * 1024.0)) << type;
    EXPECT_FALSE(entry["empty"].get<bool>());
    // The agnostic photo is grey where the mask is; the cutout's alpha is the soft mask.
    cv::Mat grey_where_masked;
    cv::inRange(images_of["agnostic"], cv::Scalar(128, 128, 128), cv::Scalar(128, 128, 128), grey_where_masked);
    EXPECT_EQ(cv::countNonZero(mask & ~grey_where_masked), 0) << type;
    cv::Mat alpha;
    cv::extractChannel(images_of["cutout"], alpha, 3);
    EXPECT_EQ(cv::countNonZero(alpha != images_of["soft"]), 0) << type;
  }
  const auto record =
      query("SELECT options->'options'->>'dilate_px' FROM mask_requests WHERE request_id = 'req-options'");
  EXPECT_EQ(record[0][0].as<std::string>(), "4");
  EXPECT_TRUE(kafka->read(poison, 1, 2s).empty());
  EXPECT_EQ(service->stop(), 0);
}

// Issue 20: every kind of invalid option fails its request at once. About 5 s.
TEST_F(ServiceTest, EachInvalidOptionGivesOneFailedResultAndOnePoisonMessage) {
  const std::map<std::string, json> cases = {
      {"req-unknown", {{"grow", 3}}},
      {"req-type", {{"dilate_px", "3"}}},
      {"req-range", {{"feather_px", 101}}},
      {"req-both", {{"dilate_px", 3}, {"dilate_percent", 1}}},
      {"req-side", {{"offsets", {{"up", 3}}}}},
      {"req-profile", {{"profile", "fitdit_hd"}}},
      {"req-fitdit", {{"profile", "fitdit"}}},  // this service runs OpenPose
      {"req-category", {{"profile", "ootd_hd"}, {"category", "dresses"}}},
  };
  for (const auto& [id, options] : cases) {
    json message = request("31", id, {{"type", "url"}, {"data", images->url("/figure.png")}});
    message["options"] = options;
    send(message);
  }
  start_service();
  const auto results = by_request(kafka->read(output, cases.size(), 60s));
  const auto poisons = by_request(kafka->read(poison, cases.size(), 30s));
  ASSERT_EQ(results.size(), cases.size());
  ASSERT_EQ(poisons.size(), cases.size());
  const std::map<std::string, std::string> expected = {
      {"req-unknown", "Invalid request: options.grow is not an option"},
      {"req-type", "Invalid request: options.dilate_px must be an integer from -50 to 200 (got \"3\")"},
      {"req-range", "Invalid request: options.feather_px must be an integer from 1 to 100 (got 101)"},
      {"req-both", "Invalid request: options.dilate_px and options.dilate_percent cannot be given together"},
      {"req-side", "Invalid request: options.offsets.up is not a side"},
      {"req-profile", "Invalid request: options.profile \"fitdit_hd\" is not available"},
      {"req-fitdit", "Invalid request: options.profile fitdit needs POSE_MODEL=dwpose"},
      {"req-category", "Invalid request: options.profile ootd_hd has no category \"dresses\""},
  };
  for (const auto& [id, error] : expected) {
    EXPECT_EQ(results.at(id)["status"], "failed");
    EXPECT_EQ(results.at(id)["error"].get<std::string>().rfind(error, 0), 0U) << results.at(id).dump();
    EXPECT_EQ(poisons.at(id)["retry_count"], 0);
    EXPECT_EQ(poisons.at(id)["original_message"]["options"], cases.at(id));
  }
  EXPECT_EQ(images->hits("figure"), 0) << "nothing was fetched";
  EXPECT_EQ(service->stop(), 0);
}

// The poison topic refuses messages over 100 000 bytes (a topic-level
// max.message.bytes, below the client's own 1 MB): the broker itself
// refuses the full poison message, and the documented fallback sends it
// again with original_message cut to POISON_ORIGINAL_MAX_BYTES.
class SmallPoisonTopicTest : public ServiceTest {
 protected:
  void SetUp() override {
    poison_config = {{"max.message.bytes", "100000"}};
    ServiceTest::SetUp();
  }
};

TEST_F(SmallPoisonTopicTest, APoisonMessageTheBrokerRefusesAsTooLargeIsSentTruncated) {
  json large = request("large", "req-large", {{"type", "base64"}, {"data", mc::core::encode_base64("not an image")}});
  large["padding"] = std::string(300'000, 'p');
  send(large);
  env["POISON_ORIGINAL_MAX_BYTES"] = "20000";
  start_service();
  const auto results = kafka->read(output, 1, 60s);
  ASSERT_EQ(results.size(), 1U);
  EXPECT_NE(results[0]["error"].get<std::string>().find("Invalid image data"), std::string::npos) << results[0];
  const auto poisons = kafka->read(poison, 1, 30s);
  ASSERT_EQ(poisons.size(), 1U) << "the truncated poison message was accepted";
  EXPECT_EQ(poisons[0]["original_message_truncated"], true);
  EXPECT_EQ(poisons[0]["original_message_bytes"], large.dump().size());
  EXPECT_EQ(poisons[0]["original_message"], large.dump().substr(0, 20000));
  const std::string log = service->log_text();
  EXPECT_NE(log.find("\"event\":\"poison_truncated\""), std::string::npos) << log;
  EXPECT_EQ(log.find("\"event\":\"publication_dropped\""), std::string::npos) << log;
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(ServiceTest, AnImageServerThatFailsTwiceThenWorksGivesOneCompletedResult) {
  send(request("11", "req-flaky", {{"type", "url"}, {"data", images->url("/flaky.png")}}, json::array({"dress"})));
  start_service();
  const auto results = kafka->read(output, 1, 60s);
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(kafka->read(output, 2, 3s).size(), 1U) << "one result, not one per attempt";
  EXPECT_EQ(results[0]["status"], "completed");
  EXPECT_EQ(images->hits("flaky"), 3);
  EXPECT_TRUE(kafka->read(poison, 1, 1s).empty());
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(ServiceTest, AnImageServerThatAlwaysFailsIsPoisonedAfterMaxRetries) {
  send(request("12", "req-down", {{"type", "url"}, {"data", images->url("/down.png")}}));
  start_service();
  const auto results = kafka->read(output, 1, 60s);
  const auto poisons = kafka->read(poison, 1, 30s);
  ASSERT_EQ(results.size(), 1U);
  ASSERT_EQ(poisons.size(), 1U);
  EXPECT_EQ(results[0]["status"], "failed");
  EXPECT_EQ(results[0]["error"], "Max retries exceeded: Failed to download image: HTTP 503");
  EXPECT_EQ(poisons[0]["retry_count"], 3);
  EXPECT_EQ(poisons[0]["original_message"]["request_id"], "req-down");
  EXPECT_EQ(images->hits("down"), 4) << "one try and MAX_RETRIES=3 retries";
  EXPECT_EQ(query("SELECT status FROM mask_requests WHERE request_id = 'req-down'")[0][0].as<std::string>(), "failed");
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(ServiceTest, ARepeatedRequestIdIsAnsweredFromItsRecordWithoutComputingAgain) {
  const json message =
      request("13", "req-same", {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"lower_body"}));
  send(message);
  send(message);
  start_service();
  const auto results = kafka->read(output, 2, 60s);
  ASSERT_EQ(results.size(), 2U);
  EXPECT_EQ(results[0]["status"], "completed");
  EXPECT_EQ(results[1]["status"], "completed");
  EXPECT_EQ(results[0]["mask_paths"], results[1]["mask_paths"]);
  EXPECT_EQ(images->hits("figure"), 1) << "the image was fetched once";
  EXPECT_EQ(query("SELECT attempts FROM mask_requests WHERE request_id = 'req-same'")[0][0].as<int>(), 1);
  EXPECT_NE(service->log_text().find("\"event\":\"already_completed\""), std::string::npos);
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(ServiceTest, SigtermDuringAStreamThenRestartGivesEveryMessageOneResult) {
  constexpr int kMessages = 20;
  for (int i = 0; i < kMessages; ++i) {
    send(request(numbered("u", i % 5), numbered("req-stream-", i),
                 {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
  }
  start_service();
  ASSERT_GE(kafka->read(output, 3, 90s).size(), 3U);
  EXPECT_EQ(service->stop(SIGTERM), 0) << "graceful stop exits 0";
  const auto first_run = kafka->read(output, kMessages, 5s).size();
  EXPECT_LT(first_run, static_cast<std::size_t>(kMessages)) << "stopped mid-stream";
  const auto committed_after_stop = kafka->committed(group, input, 4);
  EXPECT_EQ(committed_after_stop, static_cast<std::int64_t>(first_run))
      << "offsets cover exactly the finished messages";

  start_service();
  ASSERT_EQ(kafka->read(output, kMessages, 120s).size(), static_cast<std::size_t>(kMessages));
  const auto all = kafka->read(output, kMessages + 1, 5s);  // anything processed twice would show here
  const auto unique = by_request(all);
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kMessages)) << "no message was processed twice";
  for (const auto& [id, result] : unique) EXPECT_EQ(result["status"], "completed") << id;
  EXPECT_EQ(service->stop(SIGTERM), 0);
  EXPECT_EQ(kafka->committed(group, input, 4), kMessages);
}

TEST_F(ServiceTest, NoPersonDetectedIsPermanent) {
  env["CHECKPOINTS_DIR"] = (kModels / "no_person").string();
  send(request("14", "req-nobody", {{"type", "url"}, {"data", images->url("/figure.png")}}));
  start_service();
  const auto results = kafka->read(output, 1, 60s);
  const auto poisons = kafka->read(poison, 1, 30s);
  ASSERT_EQ(results.size(), 1U);
  ASSERT_EQ(poisons.size(), 1U);
  EXPECT_EQ(results[0]["error"], "no person detected");
  EXPECT_EQ(poisons[0]["retry_count"], 0);
  EXPECT_EQ(images->hits("figure"), 1);
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(ServiceTest, AnS3OutageDelaysTheRequestButNeverFailsIt) {
  start_service();
  send(request("15", "req-warm", {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
  ASSERT_EQ(kafka->read(output, 1, 90s).size(), 1U);
  const auto stop_s3 = mc::test_support::run_command(std::string(MC_SERVICES_SCRIPT) + " stop s3");
  ASSERT_EQ(stop_s3.exit_code, 0) << stop_s3.output;
  send(request("15", "req-outage", {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(kafka->read(output, 2, 2s).size(), 1U) << "no result while S3 is down";
  const auto start_s3 = mc::test_support::run_command(std::string(MC_SERVICES_SCRIPT) + " start s3");
  ASSERT_EQ(start_s3.exit_code, 0) << start_s3.output;
  const auto results = by_request(kafka->read(output, 2, 90s));
  ASSERT_EQ(results.size(), 2U);
  EXPECT_EQ(results.at("req-outage")["status"], "completed");
  EXPECT_TRUE(kafka->read(poison, 1, 1s).empty());
  EXPECT_NE(service->log_text().find("\"event\":\"dependency_unavailable\""), std::string::npos);
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(ServiceTest, TheServiceRidesOutABrokerOutage) {
  start_service();
  send(request("16", "req-before", {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
  ASSERT_EQ(kafka->read(output, 1, 90s).size(), 1U);
  const std::string script = MC_SERVICES_SCRIPT;
  ASSERT_EQ(mc::test_support::run_command(script + " kafka-down").exit_code, 0);
  std::this_thread::sleep_for(5s);
  ASSERT_EQ(mc::test_support::run_command(script + " kafka-up").exit_code, 0);
  send(request("16", "req-after", {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
  // At least once: a result may come twice when the outage cost the group
  // membership before the offset was committed.
  std::map<std::string, json> results;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (results.count("req-after") == 0 && std::chrono::steady_clock::now() < deadline) {
    results = by_request(kafka->read(output, 100, 3s));
  }
  ASSERT_EQ(results.size(), 2U);
  EXPECT_EQ(results.at("req-after")["status"], "completed");
  EXPECT_EQ(service->stop(), 0);
}

// MinIO checks every signature: a wrong secret is refused on the first
// request of start-up, and the service stops with one message that says so
// instead of retrying a refusal for ever.
TEST_F(ServiceTest, AWrongS3SecretKeyEndsStartUpWithExitThreeAndAClearMessage) {
  const std::string wrong = "wrong-secret-key-of-the-test";
  env["MINIO_SECRET_KEY"] = wrong;
  env["DEPENDENCY_PERMANENT_ATTEMPTS"] = "3";
  start_service();
  EXPECT_EQ(service->stop(0, 180s), 3) << "signal 0: only waits for the exit";
  const std::string log = service->log_text();
  std::size_t refused_lines = 0;
  std::string last_line;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("SignatureDoesNotMatch") != std::string::npos) ++refused_lines;
    if (line.find("\"event\":\"startup_failed\"") != std::string::npos) last_line = line;
  }
  EXPECT_NE(last_line.find("start-up refused: MinIO bucket check failed for bucket masks: HTTP 403 "
                           "SignatureDoesNotMatch"),
            std::string::npos)
      << log;
  EXPECT_NE(last_line.find("refused the credentials: check MINIO_ACCESS_KEY and MINIO_SECRET_KEY"), std::string::npos)
      << log;
  EXPECT_LE(refused_lines, 4U) << "three attempts and the final message, no endless retrying\n" << log;
  EXPECT_EQ(log.find(wrong), std::string::npos) << "no secret in the log";
  EXPECT_EQ(log.find(services_env()["MINIO_SECRET_KEY"]), std::string::npos) << "no secret in the log";
}

// An image host that holds each request until the test releases them and
// records the order of the paths asked for (the order the service started
// them in): slow for as long as the test needs, not for a fixed time.
class HeldBackImageServer {
 public:
  explicit HeldBackImageServer(std::string png) : png_(std::move(png)) {
    server_.Get(R"(/held/(\d+)\.png)", [this](const httplib::Request& request, httplib::Response& response) {
      std::unique_lock lock(mutex_);
      asked_.push_back(std::stoi(request.matches[1]));
      changed_.wait(lock, [this] { return released_ || closing_; });
      if (released_) response.set_content(png_, "image/png");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~HeldBackImageServer() {
    {
      const std::lock_guard lock(mutex_);
      closing_ = true;
    }
    changed_.notify_all();
    server_.stop();
    thread_.join();
  }
  std::string url(int number) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/held/" + std::to_string(number) + ".png";
  }
  std::vector<int> asked() {
    const std::lock_guard lock(mutex_);
    return asked_;
  }
  // Every request held and every later one is answered.
  void release() {
    {
      const std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

 private:
  std::string png_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool released_ = false;
  bool closing_ = false;
  std::vector<int> asked_;
};

// The value of an unlabelled metric in Prometheus text, or -1.
double metric_value(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

// One user's backlog behind a slow image host holds one worker, not intake:
// the other users' requests sent after it are answered long before it
// finishes, and the slow user's requests are still applied in order.
TEST_F(ServiceTest, OneUsersSlowBacklogDoesNotHoldUpOtherUsers) {
  constexpr int kSlow = 4;
  HeldBackImageServer slow_host(figure_png);
  const int metrics_port = free_port();
  env["SERVICE_CONCURRENCY"] = "4";
  env["IMAGE_TIMEOUT_MS"] = "90000";  // the slow host is slow, not broken
  env["METRICS_PORT"] = std::to_string(metrics_port);
  env["METRICS_BIND_ADDRESS"] = "127.0.0.1";
  start_service();
  for (int i = 0; i < kSlow; ++i) {
    send(request("slow", numbered("req-slow-", i), {{"type", "url"}, {"data", slow_host.url(i)}},
                 json::array({"dress"})));
  }
  // All four consumed (one downloading, three waiting behind it in the
  // user's lane): as many messages in flight as SERVICE_CONCURRENCY.
  const std::string metrics_url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics";
  double in_flight = -1;
  for (const auto deadline = std::chrono::steady_clock::now() + 120s;
       in_flight != kSlow && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(100ms)) {
    in_flight = metric_value(http_get(metrics_url).body, "maskcomponent_requests_in_flight");
  }
  ASSERT_EQ(in_flight, kSlow) << "the slow user's requests were not all consumed";

  const auto others_sent = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    send(request(numbered("other", i), numbered("req-other-", i),
                 {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
  }
  // The four others complete while the slow user's first image is still
  // held (20 s: a deadline for the condition, not a wait).
  std::map<std::string, json> results;
  auto others_done = [&] {
    int done = 0;
    for (int i = 0; i < 4; ++i) done += results.count(numbered("req-other-", i)) > 0 ? 1 : 0;
    return done;
  };
  while (others_done() < 4 && std::chrono::steady_clock::now() < others_sent + 20s) {
    results = by_request(kafka->read(output, 4, 2s));
  }
  const auto others_took = std::chrono::steady_clock::now() - others_sent;
  std::cout << "the four other users' results came "
            << std::chrono::duration_cast<std::chrono::milliseconds>(others_took).count()
            << " ms after they were sent\n";
  ASSERT_EQ(others_done(), 4) << "other users were held up behind one user's backlog";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(results.at(numbered("req-other-", i))["status"], "completed");
  EXPECT_EQ(slow_host.asked(), std::vector<int>{0}) << "the slow backlog was still at its first image";

  // The slow user's four, one after another in the order sent, once the host answers.
  slow_host.release();
  std::vector<std::string> slow_order;
  for (const auto deadline = std::chrono::steady_clock::now() + 240s;
       slow_order.size() < kSlow && std::chrono::steady_clock::now() < deadline;) {
    slow_order.clear();
    for (const auto& result : kafka->read(output, 4 + kSlow, 5s)) {
      if (result.value("user_id", "") == "slow") slow_order.push_back(result.value("request_id", ""));
    }
  }
  ASSERT_EQ(slow_order.size(), static_cast<std::size_t>(kSlow));
  for (int i = 0; i < kSlow; ++i) EXPECT_EQ(slow_order[static_cast<std::size_t>(i)], numbered("req-slow-", i));
  EXPECT_EQ(slow_host.asked(), (std::vector<int>{0, 1, 2, 3})) << "downloads started in the order sent";
  EXPECT_EQ(service->stop(), 0);
}

// What one user's backlog may hold is bounded: with SERVICE_CONCURRENCY=2,
// ten requests of one user whose image takes 3 s each (one lane, so one
// worker stays free for other users): at most 4 x SERVICE_CONCURRENCY are
// consumed and held at any time (intake paused meanwhile), and all ten
// complete in order.
TEST_F(ServiceTest, OneUsersBacklogHeldIsBoundedByFourTimesTheConcurrency) {
  constexpr int kRequests = 10;
  const int metrics_port = free_port();
  env["SERVICE_CONCURRENCY"] = "2";
  env["METRICS_PORT"] = std::to_string(metrics_port);
  env["METRICS_BIND_ADDRESS"] = "127.0.0.1";
  for (int i = 0; i < kRequests; ++i) {
    send(request("flood", numbered("req-flood-", i), {{"type", "url"}, {"data", images->url("/slow.png")}},
                 json::array({"dress"})));
  }
  start_service();
  const std::string metrics_url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics";
  double most_held = 0;
  bool paused_at_the_bound = false;
  std::vector<json> results;
  for (const auto deadline = std::chrono::steady_clock::now() + 180s;
       results.size() < kRequests && std::chrono::steady_clock::now() < deadline;) {
    const std::string text = http_get(metrics_url).body;
    const double held = metric_value(text, "maskcomponent_requests_in_flight");
    most_held = std::max(most_held, held);
    if (held == 8 && metric_value(text, "maskcomponent_intake_paused") == 1) paused_at_the_bound = true;
    results = kafka->read(output, kRequests, 1s);
  }
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kRequests));
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(results[static_cast<std::size_t>(i)]["request_id"], numbered("req-flood-", i));
    EXPECT_EQ(results[static_cast<std::size_t>(i)]["status"], "completed");
  }
  EXPECT_EQ(most_held, 8) << "messages held at once (4 x SERVICE_CONCURRENCY at most)";
  EXPECT_TRUE(paused_at_the_bound) << "intake paused while 8 were held";
  EXPECT_EQ(service->stop(), 0);
}

// A session timeout outside the broker's default bounds fails every join;
// a rebalance wait as long as max.poll.interval.ms drops the member from
// the group in the middle of the wait.
TEST(ServiceConfiguration, SessionTimeoutAndRebalanceWaitWithinKafkasBounds) {
  for (const char* timeout : {"5999", "300001"}) {
    const auto run = mc::test_support::run_command(
        std::string("env -i KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1 KAFKA_SESSION_TIMEOUT_MS=") + timeout +
        " REBALANCE_WAIT_SECONDS=300 HEALTH_STALL_SECONDS=1000 " + MC_CLI_PATH + " serve");
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_NE(run.output.find("KAFKA_SESSION_TIMEOUT_MS must be a whole number from 6000 to 300000"), std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("REBALANCE_WAIT_SECONDS must be a whole number from 0 to 299"), std::string::npos)
        << run.output;
  }
}

TEST(ServiceConfiguration, BadConfigurationExitsTwoNamingEachProblem) {
  const auto run = mc::test_support::run_command(
      std::string("env -i SERVICE_CONCURRENCY=0 MAX_RETRIES=-1 KAFKA_SECURITY_PROTOCOL=SASL_SSL "
                  "POSTGRES_DSN=postgresql://u:sekret@h:5432/d?sslmode=bogus MINIO_ENDPOINT=http://x "
                  "MINIO_ACCESS_KEY=a MINIO_SECRET_KEY=sekret2 MINIO_BUCKET=masks MASK_TYPES_DEFAULT=cape "
                  "METRICS_PORT=70000 HEALTH_STALL_SECONDS=10 REBALANCE_WAIT_SECONDS=15 ") +
      MC_CLI_PATH + " serve");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  for (const char* problem : {"KAFKA_BOOTSTRAP_SERVERS is required", "SERVICE_CONCURRENCY must be",
                              "MAX_RETRIES must be", "KAFKA_USERNAME and KAFKA_PASSWORD are required",
                              "MINIO_ENDPOINT must be host or host:port", "MASK_TYPES_DEFAULT", "METRICS_PORT must be",
                              "HEALTH_STALL_SECONDS must be greater than REBALANCE_WAIT_SECONDS"}) {
    EXPECT_NE(run.output.find(problem), std::string::npos) << problem << "\n" << run.output;
  }
  EXPECT_EQ(run.output.find("sekret"), std::string::npos) << run.output;
}

}  // namespace

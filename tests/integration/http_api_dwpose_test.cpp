// POSE_MODEL=dwpose through the HTTP API and Kafka (issue 30): the service loads DWPose's
// two networks (the fixtures with the official files' interface), says so at start-up, and
// answers requests whose report counts every person the detector found.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "core/person_image.hpp"
#include "http_api_harness.hpp"
#include "inference/dwpose_networks.hpp"

namespace mc::service_test {
namespace {

TEST_F(HttpApiTest, PoseModelDwposeServesHttpAndKafkaWithItsPersonCount) {
  env["POSE_MODEL"] = "dwpose";
  env.erase("HTTP_API_TOKEN");
  start_service();
  ASSERT_NO_FATAL_FAILURE(wait_until_serving());
  EXPECT_NE(service->log_text().find("\"pose_model\":\"dwpose\""), std::string::npos) << "the start-up log names it";

  json body = masks_request("dwpose-1", base64_image());
  body["options"] = {{"report", true}, {"protect", {"hands"}}};
  const Exchange answer = post("/v1/masks?inline=true", body.dump(), false);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const json result = body_of(answer);
  EXPECT_EQ(result["masks"].size(), 2U) << result.dump();

  // The detector's boxes on the same person image, counted here with the same networks.
  const cv::Mat person = mc::core::to_person_image(
      cv::imdecode(std::vector<std::uint8_t>(figure_png.begin(), figure_png.end()), cv::IMREAD_COLOR), 1U << 30);
  const fs::path models = kModels / "one_person" / "dwpose";
  mc::inference::DwposeNetworks networks(models / "yolox_l.onnx", models / "dw-ll_ucoco_384.onnx", {}, {});
  const auto found = networks.find_people(person);
  EXPECT_EQ(result["mask_info"]["person_count"], static_cast<int>(found.boxes.size())) << result.dump();

  // Issue 31: FitDiT's mask (binary, its grey mask 128 where it is) from the cached analysis.
  const auto misses = [&] {
    return metric_value(http_get("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics").body,
                        "maskcomponent_analysis_cache_misses_total", {});
  };
  const auto misses_before = misses();
  json fitdit = masks_request("dwpose-fitdit", base64_image());
  fitdit["options"] = {{"profile", "fitdit"},
                       {"category", "dresses"},
                       {"fitdit_offsets", {{"top", -10}, {"bottom", 20}, {"left", 0}, {"right", 5}}}};
  const Exchange fitdit_answer = recorded(post("/v1/masks", fitdit.dump(), false));
  ASSERT_EQ(fitdit_answer.status, 200) << fitdit_answer.body;
  const json fitdit_result = body_of(fitdit_answer);
  EXPECT_EQ(fitdit_result["profile"], "fitdit");
  EXPECT_EQ(misses(), misses_before) << "the cached analysis served the profile";
  const json& files = fitdit_result["artifacts"]["fitdit_dresses"];
  ASSERT_TRUE(files.contains("mask") && files.contains("gray")) << fitdit_answer.body;
  const auto fetch = [](const json& url) {
    const HttpResult stored = http_get(url.get<std::string>());
    return cv::imdecode(std::vector<std::uint8_t>(stored.body.begin(), stored.body.end()), cv::IMREAD_UNCHANGED);
  };
  const cv::Mat mask = fetch(files["mask"]);
  ASSERT_EQ(mask.size(), cv::Size(768, 1024));
  EXPECT_GT(cv::countNonZero(mask), 0);
  EXPECT_EQ(cv::countNonZero((mask != 0) & (mask != 255)), 0) << "FitDiT's mask is binary";
  EXPECT_EQ(cv::countNonZero(fetch(files["gray"]) != mask / 255 * 128), 0);

  // The Kafka path of the same service: a completed result with the same report.
  json message = request("kafka-user", "dwpose-2", {{"type", "url"}, {"data", images->url("/figure.png")}},
                         json::array({"upper_body"}));
  message["options"] = {{"report", true}, {"protect", {"hands"}}};
  send(message);
  const auto results = kafka->read(output, 1, 90s);
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0]["status"], "completed") << results[0].dump();
  EXPECT_EQ(results[0]["mask_info"]["person_count"], static_cast<int>(found.boxes.size())) << results[0].dump();
  EXPECT_EQ(service->stop(), 0);
}

}  // namespace
}  // namespace mc::service_test

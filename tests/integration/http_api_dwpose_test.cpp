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

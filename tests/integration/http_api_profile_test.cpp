// options.profile through POST /v1/masks (issue 31), with the analysis cache:
// a profile of a photo analysed before runs no network, its mask and grey
// mask are stored under the profile's names, the user's row keeps naming the
// seed's masks, and an unknown profile or a category the profile lacks is a
// clear 400. The answers are checked against docs/openapi.yaml.
#include <opencv2/imgcodecs.hpp>

#include "http_api_harness.hpp"

#include "core/base64.hpp"

namespace mc::service_test {
namespace {

TEST_F(HttpApiTest, AProfileOfACachedPhotoRunsNoNetworkAndKeepsTheSeedsRow) {
  env["ANALYSIS_CACHE_PREFIX"] = "_analysis_" + suffix + "/";  // no earlier run's object is found
  env.erase("HTTP_API_TOKEN");                                 // wait_until_serving probes without one
  start_service();
  ASSERT_NO_FATAL_FAILURE(wait_until_serving());
  const auto counter = [&](const std::string& name) {
    return metric_value(http_get("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics").body, name, {});
  };
  const auto ask = [&](const std::string& request_id, const json& options) {
    json body = masks_request(request_id, base64_image());
    if (!options.is_null()) body["options"] = options;
    return recorded(post("/v1/masks?inline=true", body.dump(), false));
  };

  const Exchange seed = ask("req-seed", nullptr);
  ASSERT_EQ(seed.status, 200) << seed.body;
  EXPECT_EQ(counter("maskcomponent_analysis_cache_misses_total"), 1);

  const Exchange profile = ask("req-ootd", {{"profile", "ootd_hd"}});
  ASSERT_EQ(profile.status, 200) << profile.body;
  EXPECT_EQ(counter("maskcomponent_analysis_cache_misses_total"), 1) << "the cached analysis served the profile";
  const json result = body_of(profile);
  EXPECT_EQ(result["profile"], "ootd_hd");
  EXPECT_TRUE(result["mask_paths"].empty()) << profile.body;
  const json& files = result["artifacts"]["ootd_hd_upper_body"];
  ASSERT_TRUE(files.contains("mask") && files.contains("gray")) << profile.body;
  const auto fetch = [](const json& url) {
    const HttpResult stored = http_get(url.get<std::string>());
    EXPECT_EQ(stored.status, 200) << url;
    return cv::imdecode(std::vector<std::uint8_t>(stored.body.begin(), stored.body.end()), cv::IMREAD_UNCHANGED);
  };
  const cv::Mat mask = fetch(files["mask"]);
  const cv::Mat gray = fetch(files["gray"]);
  ASSERT_EQ(mask.size(), cv::Size(768, 1024));
  EXPECT_GT(cv::countNonZero(mask), 0);
  EXPECT_EQ(cv::countNonZero((mask != 0) & (mask != 255)), 0) << "OOTDiffusion's mask is binary";
  EXPECT_EQ(cv::countNonZero(gray != mask / 255 * 127), 0);
  EXPECT_NE(files["mask"].get<std::string>().find("/req-ootd/ootd_hd_upper_body_mask.png"), std::string::npos);
  ASSERT_TRUE(result["masks"].contains("ootd_hd_upper_body")) << "inline: the profile's mask";
  EXPECT_EQ(result["masks"]["ootd_hd_upper_body"].get<std::string>(),
            mc::core::encode_base64(http_get(files["mask"].get<std::string>()).body));
  EXPECT_EQ(query("SELECT request_id FROM user_mask_outputs WHERE user_id = 'api-user'")[0][0].as<std::string>(),
            "req-seed")
      << "a profile request leaves the seed's row as it is";
  EXPECT_EQ(query("SELECT status FROM mask_requests WHERE request_id = 'req-ootd'")[0][0].as<std::string>(),
            "completed");

  // The same request again: its record answers, with the profile.
  const Exchange again = ask("req-ootd", {{"profile", "ootd_hd"}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(body_of(again)["artifacts"], result["artifacts"]);
  EXPECT_EQ(body_of(again)["profile"], "ootd_hd");

  for (const auto& [options, error] :
       {std::pair<json, std::string>{{{"profile", "ootd_xl"}},
                                     "Invalid request: options.profile must be one of seed, ootd_hd, ootd_dc"},
        {{{"profile", "ootd_hd"}, {"category", "lower_body"}},
         "Invalid request: options.profile ootd_hd has no category \"lower_body\""}}) {
    const Exchange refused = ask("req-refused", options);
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_NE(body_of(refused)["error"].get<std::string>().find(error), std::string::npos) << refused.body;
  }
  EXPECT_EQ(service->stop(), 0);
  const auto verdict = check_against_spec(exchanges);
  EXPECT_EQ(verdict.exit_code, 0) << verdict.output;
}

}  // namespace
}  // namespace mc::service_test

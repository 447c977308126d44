// POST /v1/masks of `maskcomponent serve` against the real PostgreSQL, MinIO
// and dev broker of the other service tests: each status code's case, the
// answers checked against docs/openapi.yaml by tests/integration/openapi_check.py
// (Debian's python3-jsonschema), the records and objects the requests left, and
// the metrics. About 40 s in the release build.
#include <opencv2/imgcodecs.hpp>

#include "http_api_harness.hpp"

#include "adapters/image_decoding.hpp"
#include "adapters/s3_client.hpp"
#include "core/person_image.hpp"
#include "inference/checkpoints.hpp"
#include "service/processing/analysis_cache.hpp"
#include "service/http/http_api.hpp"

namespace mc::service_test {
namespace {

TEST_F(HttpApiTest, AnswersEachStatusCodeAsTheSpecSaysThroughTheKafkaPathsProcessing) {
  HeldImageServer held(figure_png);
  start_service();
  // Ready once an invalid request gets its 400 instead of 503 (or no answer).
  Exchange invalid;
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  while (std::chrono::steady_clock::now() < deadline) {
    invalid = post("/v1/masks", R"({"gender": "M"})");
    if (invalid.status == 503) exchanges.push_back(invalid);  // while starting
    if (invalid.status != 0 && invalid.status != 503) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(recorded(invalid).status, 400) << invalid.body;
  const HttpResult page = http_get("http://127.0.0.1:" + std::to_string(api_port) + "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("v1/masks?inline=true"), std::string::npos) << "the page calls the API";
  EXPECT_EQ(body_of(invalid)["status"], "failed");
  EXPECT_NE(body_of(invalid)["error"].get<std::string>().find("Invalid request"), std::string::npos) << invalid.body;

  // Without the token: 401, nothing computed.
  const Exchange anonymous = recorded(post("/v1/masks", masks_request("req-anon", base64_image()).dump(), false));
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(header(anonymous, "WWW-Authenticate"), "Bearer");

  // Computed: the masks inline are the bucket's objects; rows as for Kafka.
  const Exchange done = recorded(post("/v1/masks?inline=true", masks_request("req-http", base64_image()).dump()));
  ASSERT_EQ(done.status, 200) << done.body;
  const json result = body_of(done);
  EXPECT_EQ(result["status"], "completed");
  ASSERT_EQ(result["masks"].size(), 2U) << done.body;
  for (const auto& [type, url] : result["mask_paths"].items()) {
    const HttpResult stored = http_get(url.get<std::string>());
    ASSERT_EQ(stored.status, 200) << url;
    EXPECT_EQ(mc::core::encode_base64(stored.body), result["masks"][type].get<std::string>()) << type;
    const cv::Mat mask =
        cv::imdecode(std::vector<std::uint8_t>(stored.body.begin(), stored.body.end()), cv::IMREAD_UNCHANGED);
    EXPECT_EQ(mask.size(), cv::Size(768, 1024)) << type;
  }
  EXPECT_EQ(query("SELECT request_id FROM user_mask_outputs WHERE user_id = 'api-user'")[0][0].as<std::string>(),
            "req-http");
  EXPECT_EQ(query("SELECT status FROM mask_requests WHERE request_id = 'req-http'")[0][0].as<std::string>(),
            "completed");

  // The same (user_id, request_id) again: answered from its record.
  const Exchange again = recorded(post("/v1/masks", masks_request("req-http", base64_image()).dump()));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(body_of(again)["mask_paths"], result["mask_paths"]);
  EXPECT_FALSE(body_of(again).contains("masks"));
  EXPECT_EQ(query("SELECT attempts FROM mask_requests WHERE request_id = 'req-http'")[0][0].as<int>(), 1);

  // Bytes that are no image: 422 with the Kafka path's error text.
  const json not_image = {{"type", "base64"}, {"data", mc::core::encode_base64("not an image at all")}};
  const Exchange undecodable = recorded(post("/v1/masks", masks_request("req-bad", not_image).dump()));
  EXPECT_EQ(undecodable.status, 422) << undecodable.body;
  EXPECT_NE(body_of(undecodable)["error"].get<std::string>().find("Invalid image data"), std::string::npos);

  // A body over IMAGE_MAX_BYTES as base64 plus the margin: 413.
  const std::size_t bound = (figure_png.size() * 2 + 2) / 3 * 4 + 64 * 1024;
  const Exchange huge = recorded(post("/v1/masks", std::string(bound + 1, ' ')));
  EXPECT_EQ(huge.status, 413) << huge.body;

  // A body cut short (10 of the 1000 bytes announced, then the client stops
  // sending): 400 saying so, not the truncated JSON handed on as the request.
  const std::string cut = raw_exchange(
      api_port, std::string("POST /v1/masks HTTP/1.1\r\nHost: 127.0.0.1\r\n") + "Authorization: Bearer " + kToken +
                    "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"user_id\"");
  EXPECT_EQ(cut.rfind("HTTP/1.1 400", 0), 0U) << cut;
  EXPECT_NE(cut.find("request body incomplete: 10 bytes received of the 1000 announced"), std::string::npos) << cut;

  // One request in progress (HTTP_API_MAX_QUEUE=1): the next gets 429.
  auto slow = std::async(std::launch::async, [&] {
    return post("/v1/masks", masks_request("req-held", {{"type", "url"}, {"data", held.url()}}).dump());
  });
  ASSERT_TRUE(held.wait_for_waiting(1, 60s));
  const Exchange busy = recorded(post("/v1/masks", masks_request("req-busy", base64_image()).dump()));
  EXPECT_EQ(busy.status, 429) << busy.body;
  EXPECT_EQ(header(busy, "Retry-After"), "1");

  // A Kafka request holds the shutdown's drain: meanwhile the API answers 503.
  send(request("kafka-user", "req-kafka", {{"type", "url"}, {"data", held.url()}}));
  ASSERT_TRUE(held.wait_for_waiting(2, 60s));
  const std::string metrics = http_get("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics").body;
  service->signal(SIGTERM);
  Exchange stopping;
  const auto stop_deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < stop_deadline) {
    stopping = post("/v1/masks", masks_request("req-late", base64_image()).dump());
    if (stopping.status == 503) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(recorded(stopping).status, 503) << stopping.body;
  EXPECT_FALSE(header(stopping, "Retry-After").empty());
  held.release();
  const Exchange finished = recorded(slow.get());
  EXPECT_EQ(finished.status, 200) << finished.body;
  EXPECT_EQ(service->stop(0, 60s), 0);  // the SIGTERM above; a second one would force the exit

  // Only the Kafka request's result was published.
  const auto published = kafka->read(output, 2, 10s);
  ASSERT_EQ(published.size(), 1U);
  EXPECT_EQ(published[0]["request_id"], "req-kafka");

  // Requests by route and code, latency, queue length.
  EXPECT_EQ(metric_value(metrics, "maskcomponent_http_requests_total", {"code=\"200\"", "route=\"/v1/masks\""}), 2);
  EXPECT_EQ(metric_value(metrics, "maskcomponent_http_requests_total", {"code=\"429\""}), 1);
  EXPECT_EQ(metric_value(metrics, "maskcomponent_http_requests_total", {"code=\"413\""}), 1);
  EXPECT_EQ(metric_value(metrics, "maskcomponent_http_request_duration_seconds_count", {"route=\"/v1/masks\""}),
            metric_value(metrics, "maskcomponent_http_requests_total", {"route=\"/v1/masks\""}));
  EXPECT_NE(metrics.find("maskcomponent_http_queue_length 1"), std::string::npos) << "the held request";

  // Every answer as docs/openapi.yaml describes it; and the checker does
  // refuse one that is not (a completed answer without its mask paths).
  const auto verdict = check_against_spec(exchanges);
  EXPECT_EQ(verdict.exit_code, 0) << verdict.output;
  Exchange wrong = done;
  json broken = result;
  broken.erase("mask_paths");
  wrong.body = broken.dump();
  const auto refusal = check_against_spec({wrong});
  EXPECT_EQ(refusal.exit_code, 1) << refusal.output;
  EXPECT_NE(refusal.output.find("mask_paths"), std::string::npos) << refusal.output;
}

// Clients that trickle their headers hold a thread each only for a bounded
// time: with as many of them as the API has threads (reconnecting whenever
// they are cut off, as an attacker would), a real request is still answered.
// Its client waits 25 s: under CivetWeb's old 30 s bound the tricklers held
// every thread longer than that; under 5 s the request is computed after the
// first round of them is cut off.
TEST_F(HttpApiTest, ClientsTricklingHeadersDoNotStallTheApi) {
  env.erase("HTTP_API_TOKEN");
  start_service();
  ASSERT_NO_FATAL_FAILURE(wait_until_serving());

  const int threads = mc::service::http_api_threads(1);  // HTTP_API_MAX_QUEUE=1
  std::atomic<bool> done{false};
  std::atomic<int> trickling{0};
  std::atomic<int> cut_off{0};
  std::vector<std::thread> tricklers;
  for (int i = 0; i < threads; ++i) {
    tricklers.emplace_back([&, i] {
      bool counted = false;
      while (!done.load()) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(api_port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const auto send_text = [fd](const std::string& text) {
          return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
        };
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
            send_text("POST /v1/masks HTTP/1.1\r\nHost: 127.0.0.1\r\n")) {
          for (int line = 0; !done.load(); ++line) {
            // Cut off: the server's 400 or its close is there to read, or sending fails.
            char byte = 0;
            if (!send_text("X-Slow-" + std::to_string(i) + "-" + std::to_string(line) + ": 1\r\n") ||
                ::recv(fd, &byte, 1, MSG_DONTWAIT) >= 0) {
              ++cut_off;
              break;
            }
            if (line == 1 && !counted) {
              counted = true;
              ++trickling;
            }
            std::this_thread::sleep_for(200ms);
          }
        }
        ::close(fd);
        if (!done.load()) std::this_thread::sleep_for(10ms);
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (trickling.load() < threads && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(trickling.load(), threads) << "the slow clients were not all connected";

  const auto asked = std::chrono::steady_clock::now();
  Exchange answer;
  {
    httplib::Client client("127.0.0.1", api_port);
    client.set_read_timeout(25, 0);
    client.set_write_timeout(25, 0);
    const auto result =
        client.Post("/v1/masks", masks_request("req-beside-tricklers", base64_image()).dump(), "application/json");
    if (result) {
      answer.status = result->status;
      answer.body = result->body;
    } else {
      answer.body = httplib::to_string(result.error());
    }
  }
  const auto took = std::chrono::steady_clock::now() - asked;
  const auto cut_deadline = std::chrono::steady_clock::now() + 60s;
  while (cut_off.load() == 0 && std::chrono::steady_clock::now() < cut_deadline) std::this_thread::sleep_for(10ms);
  done = true;
  for (auto& trickler : tricklers) trickler.join();
  std::cout << "answered in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms beside "
            << threads << " clients trickling headers; " << cut_off.load() << " trickling connections cut off\n";
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(body_of(answer)["status"], "completed") << answer.body;
  EXPECT_GT(cut_off.load(), 0) << "no trickling client was cut off";
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(HttpApiTest, TheBareApiBeyondLoopbackIsAConfigurationError) {
  env["HTTP_API_BIND_ADDRESS"] = "0.0.0.0";
  env.erase("HTTP_API_TOKEN");
  start_service();
  EXPECT_EQ(service->stop(0, 60s), 2);
  EXPECT_NE(service->log_text().find("HTTP_API_TOKEN"), std::string::npos) << service->log_text();
}

TEST_F(HttpApiTest, TheAnalysisCacheGivesTheSameMasksAndReplacesAForeignOrCorruptObject) {
  // S3 only (no memory layer), so that every request reads the object; a
  // prefix of its own, so that no earlier run's object is found.
  const std::string prefix = "_analysis_" + suffix + "/";
  env["ANALYSIS_CACHE_MEMORY_MB"] = "0";
  env["ANALYSIS_CACHE_PREFIX"] = prefix;
  const std::string secret(40, 'k');
  env["ANALYSIS_CACHE_KEY"] = secret;
  env.erase("HTTP_API_TOKEN");
  start_service();
  const json all_types = json::array(
      {"upper_body", "upper_body_tshirts", "upper_body_coat", "lower_body", "ethnic_combined", "baggy_lower", "dress"});
  const auto masks_of = [&](const std::string& request_id) {
    const Exchange answer =
        post("/v1/masks?inline=true", request("cache-user", request_id, base64_image(), all_types).dump(), false);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.status == 200 ? body_of(answer)["masks"] : json();
  };
  const auto counter = [&](const std::string& name, const std::vector<std::string>& labels = {}) {
    return metric_value(http_get("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics").body, name, labels);
  };
  ASSERT_NO_FATAL_FAILURE(wait_until_serving());

  const json computed = masks_of("req-miss");
  ASSERT_EQ(computed.size(), 7U);
  EXPECT_EQ(counter("maskcomponent_analysis_cache_misses_total"), 1);
  EXPECT_EQ(masks_of("req-hit"), computed) << "a hit gives the same bytes";
  EXPECT_EQ(counter("maskcomponent_analysis_cache_hits_total", {"layer=\"s3\""}), 1);
  EXPECT_EQ(counter("maskcomponent_analysis_cache_misses_total"), 1) << "the networks did not run again";

  // The object's key, made again from the algorithm version, the models and the image's pixels.
  const std::string key = mc::service::analysis_key(
      mc::service::model_fingerprint(
          mc::inference::locate_checkpoints(kModels / "one_person", mc::inference::PoseModel::kOpenPose), {}, "fp32"),
      mc::service::pixels_digest(mc::core::to_person_image(mc::adapters::decode_image(figure_png), 40'000'000)));
  ASSERT_EQ(key.rfind("v" + std::to_string(mc::service::kAnalysisAlgorithmVersion) + "/", 0), 0U);
  mc::adapters::S3Settings s3;
  s3.endpoint = env["MINIO_ENDPOINT"];
  s3.access_key = env["MINIO_ACCESS_KEY"];
  s3.secret_key = env["MINIO_SECRET_KEY"];
  s3.bucket = env["MINIO_BUCKET"];
  s3.secure = env["MINIO_SECURE"] == "true";
  mc::adapters::S3Client bucket(s3);
  const auto document_of = [&](const std::string& object) {
    std::string problem;
    const auto opened = mc::service::open_entry(object, key, secret, problem);
    EXPECT_TRUE(opened) << problem;
    return opened ? json::parse(*opened) : json();
  };
  const std::string stored = bucket.get_object(prefix + key);
  ASSERT_EQ(document_of(stored)["key"], key);
  std::cout << "cache object: " << stored.size() << " bytes\n";

  // Another image's sealed entry copied here, an entry forged without the
  // secret (its key and 519,732 warnings self-declared), bytes that are no
  // analysis, an object over the size bound (not downloaded past it), and a
  // sealed parse map whose PNG declares 900 megapixels (refused by its
  // header): each ignored, counted, logged once, computed again (the same
  // masks) and replaced.
  json forged = document_of(stored);
  forged["warnings"] = std::vector<std::string>(519732, "w");
  json bomb = document_of(stored);
  std::string huge_png = "\x89PNG\r\n\x1a\n" + std::string("\0\0\0\x0dIHDR\0\0\x75\x30\0\0\x75\x30\x08\0\0\0\0", 21);
  bomb["parse_png"] = mc::core::encode_base64(huge_png + "CRC!" + std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12));
  int errors = 0;
  const std::string moved = mc::service::seal_entry(std::string(stored.substr(65)), "another/key", secret);
  for (const std::string& tampered :
       {moved, mc::service::seal_entry(forged.dump(), key, std::string(40, 'x')), forged.dump(),
        std::string("\x1f\x8b not an analysis"), std::string(mc::service::kMaxStoredAnalysisBytes + 1, ' '),
        mc::service::seal_entry(bomb.dump(), key, secret)}) {
    bucket.put_object(prefix + key, tampered, "application/json");
    EXPECT_EQ(masks_of(numbered("req-tampered-", errors)), computed);
    EXPECT_EQ(counter("maskcomponent_analysis_cache_errors_total"), ++errors);
    EXPECT_EQ(document_of(bucket.get_object(prefix + key))["key"], key) << "replaced";
  }
  const std::string log = service->log_text();
  std::size_t logged = 0;
  for (std::size_t at = log.find("analysis_cache_error"); at != std::string::npos;
       at = log.find("analysis_cache_error", at + 1))
    ++logged;
  EXPECT_EQ(logged, static_cast<std::size_t>(errors)) << "one line for each object ignored";
  EXPECT_EQ(counter("maskcomponent_analysis_cache_misses_total"), 7);
  EXPECT_EQ(masks_of("req-after"), computed);
  EXPECT_EQ(counter("maskcomponent_analysis_cache_hits_total", {"layer=\"s3\""}), 2);
  EXPECT_EQ(service->stop(), 0);
}

// The memory layer (issue 21, item 4): a repeat of the same image bytes is
// recalled without decoding them, the same pixels in other bytes are found
// by their digest, and an output made of the photo's pixels decodes them
// again; each gives the masks the networks gave.
TEST_F(HttpApiTest, TheMemoryLayerAnswersRepeatsOfAnImageWithTheMasksOfItsFirstAnalysis) {
  env["ANALYSIS_CACHE_PREFIX"] = "_analysis_" + suffix + "/";  // no earlier run's object is found
  env.erase("HTTP_API_TOKEN");
  start_service();
  const json all_types = json::array(
      {"upper_body", "upper_body_tshirts", "upper_body_coat", "lower_body", "ethnic_combined", "baggy_lower", "dress"});
  const auto answer_of = [&](const std::string& request_id, const std::string& png, const json& options) {
    json body =
        request("memory-user", request_id, {{"type", "base64"}, {"data", mc::core::encode_base64(png)}}, all_types);
    if (!options.is_null()) body["options"] = options;
    const Exchange answer = post("/v1/masks?inline=true", body.dump(), false);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.status == 200 ? body_of(answer) : json();
  };
  const auto counter = [&](const std::string& name, const std::vector<std::string>& labels = {}) {
    return metric_value(http_get("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics").body, name, labels);
  };
  const auto memory_hits = [&] { return counter("maskcomponent_analysis_cache_hits_total", {"layer=\"memory\""}); };
  const auto log_count = [&](const std::string& event) {
    std::size_t count = 0;
    const std::string text = service->log_text();
    for (std::size_t at = text.find(event); at != std::string::npos; at = text.find(event, at + 1)) ++count;
    return count;
  };
  ASSERT_NO_FATAL_FAILURE(wait_until_serving());

  const json computed = answer_of("mem-miss", figure_png, nullptr)["masks"];
  ASSERT_EQ(computed.size(), 7U);
  EXPECT_EQ(counter("maskcomponent_analysis_cache_misses_total"), 1);

  EXPECT_EQ(answer_of("mem-repeat", figure_png, nullptr)["masks"], computed) << "recalled: the same bytes";
  EXPECT_EQ(memory_hits(), 1);
  EXPECT_EQ(log_count("\"analysis_recalled\""), 1U) << "answered by the image bytes, not decoded";

  // The same pixels in another PNG file: decoded, found by the pixels' digest.
  std::vector<std::uint8_t> other;
  ASSERT_TRUE(cv::imencode(
      ".png", cv::imdecode(std::vector<std::uint8_t>(figure_png.begin(), figure_png.end()), cv::IMREAD_UNCHANGED),
      other, {cv::IMWRITE_PNG_COMPRESSION, 9}));
  const std::string reencoded(other.begin(), other.end());
  ASSERT_NE(reencoded, figure_png);
  EXPECT_EQ(answer_of("mem-reencoded", reencoded, nullptr)["masks"], computed);
  EXPECT_EQ(memory_hits(), 2);
  EXPECT_EQ(log_count("\"analysis_recalled\""), 1U);

  // The agnostic image is made of the photo: its bytes are decoded, the
  // analysis comes from memory by the pixels.
  const json agnostic = answer_of("mem-agnostic", figure_png, {{"outputs", {"mask", "agnostic"}}});
  EXPECT_EQ(agnostic["masks"], computed);
  EXPECT_EQ(agnostic["artifacts"].size(), 7U) << agnostic.dump();
  EXPECT_EQ(memory_hits(), 3);
  EXPECT_EQ(log_count("\"analysis_recalled\""), 1U);
  EXPECT_EQ(counter("maskcomponent_analysis_cache_misses_total"), 1) << "the networks ran once";
  EXPECT_EQ(service->stop(), 0);
}

// The page in headless Chromium (tests/integration/page_test.mjs): skipped
// where scripts/setup.sh has not installed Chromium and playwright-core.
TEST_F(HttpApiTest, ThePageShowsEachRequestedMaskOverThePhoto) {
  const fs::path playwright = fs::path(MC_SOURCE_DIR) / "scripts" / "playwright";
  if (!fs::exists("/usr/bin/chromium") || !fs::exists(playwright / "node_modules" / "playwright-core")) {
    GTEST_SKIP() << "chromium or playwright-core not installed (scripts/setup.sh)";
  }
  env.erase("HTTP_API_TOKEN");
  start_service();
  ASSERT_NO_FATAL_FAILURE(wait_until_serving());
  // The test's output folder, under the build tree: the screenshot stays there.
  const fs::path out = fs::current_path() / "test_output" / "page";
  fs::create_directories(out);
  const fs::path photo = out / "figure.png";
  std::ofstream(photo, std::ios::binary) << figure_png;
  const auto run = mc::test_support::run_command("MC_PLAYWRIGHT_DIR=" + playwright.string() + " node " + MC_SOURCE_DIR +
                                                 "/tests/integration/page_test.mjs " +
                                                 "http://127.0.0.1:" + std::to_string(api_port) + "/ " +
                                                 photo.string() + " " + out.string() + " upper_body,lower_body,dress");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("page ok"), std::string::npos) << run.output;
  EXPECT_TRUE(fs::exists(out / "page.png")) << "the screenshot";
  std::cout << run.output;
  EXPECT_EQ(service->stop(), 0);
}

}  // namespace
}  // namespace mc::service_test

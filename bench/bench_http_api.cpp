// The HTTP API's performance figures (issue 21, item 4), against two running
// `maskcomponent serve` instances on the bench models with a pose network
// that finds a person (bench/make_person_pose.py; so that each request goes on
// to masks and storage): one with the analysis cache on, one with
// ANALYSIS_CACHE=off. bench/http_api_bench.sh makes the models, starts the
// local stack and both instances, then runs:
//   mc_bench_http_api CHECKPOINTS_DIR CACHED_API_PORT CACHED_METRICS_PORT FRESH_API_PORT FRESH_METRICS_PORT
// Prints, side by side in one run (absolute times drift on a shared machine:
// the phases are interleaved and medians and ratios are quoted):
//   1. a cached repeat of a 7-type request (same photo, new request_id):
//      latency, its S3 upload time (from the instance's stage metrics), and
//      latency minus upload against the 60 ms budget;
//   2. a 7-type request through HTTP with the cache off against the same work
//      in this process through the analyzer `generate` uses (decode, the
//      three networks, 7 masks, 7 PNGs): the ratio raw and without the
//      storage stages (S3 upload, PostgreSQL), which `generate` does not do;
//   3. throughput with 2 concurrent clients over HTTP (cache off) against 2
//      threads in this process sharing one analyzer, as the service does.
// The in-process and HTTP measurements never run at the same time.
// MC_BENCH_ROUNDS (default 7), MC_BENCH_CACHED_REPEATS (per round, default 3),
// MC_BENCH_THROUGHPUT_IMAGES (per batch, default 8), MC_BENCH_THROUGHPUT_ROUNDS
// (default 2) size the run.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "adapters/image_decoding.hpp"
#include "adapters/png_codec.hpp"
#include "app/allocator_tuning.hpp"
#include "core/base64.hpp"
#include "core/errors.hpp"
#include "core/mask_engine.hpp"
#include "core/mask_request.hpp"
#include "core/mask_types.hpp"
#include "core/person_image.hpp"
#include "inference/human_analyzer.hpp"
#include "inference/onnx_runtime.hpp"
#include "service/processing/analysis_cache.hpp"

namespace {

using namespace mc;
using Clock = std::chrono::steady_clock;

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// The sums of the instance's histograms, by series: `name{labels}` -> seconds.
std::map<std::string, double> metric_sums(int port) {
  httplib::Client client("127.0.0.1", port);
  const auto result = client.Get("/metrics");
  if (!result || result->status != 200) throw std::runtime_error("GET /metrics on " + std::to_string(port) + " failed");
  std::map<std::string, double> sums;
  std::istringstream lines(result->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    const std::string series = line.substr(0, space);
    if (series.find("_sum") == std::string::npos) continue;
    sums[series] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return sums;
}

const std::vector<std::string> kStages = {"fetch", "decode", "parsing_atr", "parsing_lip", "pose",
                                          "masks", "encode", "upload",      "database"};

std::string stage_series(const std::string& stage) {
  return "maskcomponent_stage_duration_seconds_sum{stage=\"" + stage + "\"}";
}

// What one request took on the service's side, from the metrics before and after.
struct ServerTimes {
  std::map<std::string, double> stage;  // seconds per stage
  double handler = 0;                   // maskcomponent_http_request_duration_seconds
  double storage() const { return stage.at("upload") + stage.at("database"); }
};

ServerTimes difference(const std::map<std::string, double>& before, const std::map<std::string, double>& after) {
  const auto delta = [&](const std::string& series) {
    const auto a = after.find(series);
    const auto b = before.find(series);
    return (a != after.end() ? a->second : 0) - (b != before.end() ? b->second : 0);
  };
  ServerTimes times;
  for (const auto& stage : kStages) times.stage[stage] = delta(stage_series(stage));
  times.handler = delta("maskcomponent_http_request_duration_seconds_sum{route=\"/v1/masks\"}");
  return times;
}

class Api {
 public:
  Api(int api_port, int metrics_port, std::string run) : api_(api_port), metrics_(metrics_port), run_(std::move(run)) {}

  std::string body(const std::string& image_base64) {
    nlohmann::json types = nlohmann::json::array();
    for (const auto type : core::kAllMaskTypes) types.push_back(std::string(core::mask_type_name(type)));
    return nlohmann::json{{"user_id", "bench-" + run_},
                          {"gender", "M"},
                          {"request_id", run_ + "-" + std::to_string(next_id_++)},
                          {"mask_types", types},
                          {"image", {{"type", "base64"}, {"data", image_base64}}}}
        .dump();
  }

  // Seconds until the whole answer was read (a new connection each time, as
  // the server takes one request per connection).
  double post(const std::string& body) const {
    httplib::Client client("127.0.0.1", api_);
    client.set_read_timeout(300, 0);
    const auto start = Clock::now();
    const auto result = client.Post("/v1/masks", body, "application/json");
    const double seconds = since(start);
    if (!result) throw std::runtime_error("POST /v1/masks: no answer");
    if (result->status != 200) {
      throw std::runtime_error("POST /v1/masks: " + std::to_string(result->status) + " " + result->body);
    }
    return seconds;
  }

  // One request alone, with what the service says it spent on it.
  std::pair<double, ServerTimes> timed(const std::string& image_base64) {
    const std::string request = body(image_base64);
    const auto before = metric_sums(metrics_);
    const double seconds = post(request);
    return {seconds, difference(before, metric_sums(metrics_))};
  }

 private:
  int api_;
  int metrics_;
  std::string run_;
  std::atomic<long> next_id_{0};
};

// `generate`'s work on one image: decode, the three networks, the masks,
// the PNGs (it writes them to a folder; kept in memory here). Its stages in
// seconds, named as the service's.
std::map<std::string, double> in_process_image(inference::AnalyzerPool& pool, const std::string& jpeg) {
  std::map<std::string, double> stages;
  auto start = Clock::now();
  const cv::Mat person =
      core::to_person_image(adapters::decode_image(jpeg, core::kDefaultMaxImagePixels), core::kDefaultMaxImagePixels);
  stages["decode"] = since(start);
  inference::HumanAnalysis analysis;
  {
    auto analyzer = pool.acquire();  // held for the networks only, as the service's port does
    analysis = analyzer->analyze(person);
  }
  stages["parsing_atr"] = std::chrono::duration<double>(analysis.atr_time).count();
  stages["parsing_lip"] = std::chrono::duration<double>(analysis.lip_time).count();
  stages["pose"] = std::chrono::duration<double>(analysis.pose_time).count();
  start = Clock::now();
  const auto masks = core::generate_masks(analysis.parse, analysis.keypoints, core::Gender::kMale, core::kAllMaskTypes);
  stages["masks"] = since(start);
  start = Clock::now();
  for (const auto& [type, mask] : masks.masks) adapters::encode_png(mask);  // as the service does
  stages["encode"] = since(start);
  return stages;
}

// Images per minute: `images` jobs taken by `workers` threads at once.
double throughput(int workers, int images, const std::function<void()>& job) {
  const auto start = Clock::now();
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      while (next.fetch_add(1) < images) job();
    });
  }
  for (auto& thread : threads) thread.join();
  return 60.0 * images / since(start);
}

// A photo-like 1200 x 1600 JPEG (as bench_pipeline's): the pose network of
// bench/make_person_pose.py finds its person in any picture.
std::string bench_photo(inference::AnalyzerPool& pool, std::uint64_t seed) {
  cv::theRNG().state = seed;  // a photo of its own per run: the cached instance's first request is a miss
  cv::Mat photo(1600, 1200, CV_8UC3);
  cv::randu(photo, 0, 255);
  cv::GaussianBlur(photo, photo, {0, 0}, 3);  // photo-like: not incompressible noise
  std::vector<std::uint8_t> bytes;
  cv::imencode(".jpg", photo, bytes, {cv::IMWRITE_JPEG_QUALITY, 90});
  std::string jpeg(bytes.begin(), bytes.end());
  try {
    pool.acquire()->analyze(core::to_person_image(adapters::decode_image(jpeg), core::kDefaultMaxImagePixels));
  } catch (const core::InputError& error) {
    throw std::runtime_error(std::string("the pose network finds nobody (") + error.what() +
                             "): give the folder bench/make_person_pose.py writes");
  }
  std::cout << "photo: " << jpeg.size() << " bytes, JPEG 1200 x 1600" << std::endl;
  return jpeg;
}

void print_stages(const char* what, const std::vector<ServerTimes>& runs) {
  std::printf("  %s, service stage medians (ms):", what);
  for (const auto& stage : kStages) {
    std::vector<double> values;
    for (const auto& run : runs) values.push_back(run.stage.at(stage));
    std::printf(" %s %.1f", stage.c_str(), 1000 * median(values));
  }
  std::vector<double> handler;
  for (const auto& run : runs) handler.push_back(run.handler);
  std::printf("; whole %.1f\n", 1000 * median(handler));
}

// Keeps a result from being optimised away.
template <typename T>
void benchmark_keep(T&& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

const char* verdict(bool holds) { return holds ? "holds" : "DOES NOT HOLD"; }

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they come, also through a pipe
  if (argc != 6) {
    std::cerr << "usage: mc_bench_http_api CHECKPOINTS_DIR CACHED_API_PORT CACHED_METRICS_PORT FRESH_API_PORT "
                 "FRESH_METRICS_PORT\n(bench/http_api_bench.sh starts the instances and runs it)\n";
    return 2;
  }
  app::tune_allocator_for_images();  // as the maskcomponent program does
  const int rounds = env_int("MC_BENCH_ROUNDS", 7);
  const int cached_repeats = env_int("MC_BENCH_CACHED_REPEATS", 3);
  const int batch_images = env_int("MC_BENCH_THROUGHPUT_IMAGES", 8);
  const int batch_rounds = env_int("MC_BENCH_THROUGHPUT_ROUNDS", 2);
  const std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  Api cached(std::atoi(argv[2]), std::atoi(argv[3]), run + "-cached");
  Api fresh(std::atoi(argv[4]), std::atoi(argv[5]), run + "-fresh");

  // The analyzer as `generate` (and `serve`) make it: the CPU, one instance,
  // ORT_INTRA_OP_THREADS 0 (all cores), warmed up.
  auto log = spdlog::stderr_color_st("bench");
  inference::ModelSettings settings;
  settings.gpu_id = -1;
  settings.checkpoints_dir = argv[1];
  inference::AnalyzerPool pool(settings, 1, *log);
  pool.warm_up();
  std::cout << "in-process analyzer: 1 instance, intra-op threads " << inference::default_intra_op_threads(1) << "; "
            << std::thread::hardware_concurrency() << " cores\n";
  const std::string jpeg = bench_photo(pool, static_cast<std::uint64_t>(std::stoll(run)));
  const std::string image = core::encode_base64(jpeg);

  try {
    // 1 and 2, interleaved round by round.
    const double miss = cached.post(cached.body(image));
    std::printf("cached instance: first request (a miss: the networks run) %.1f ms\n", 1000 * miss);
    std::vector<double> cached_latency, cached_upload, cached_rest;
    std::vector<ServerTimes> cached_times;
    // Two parts of a hit that no stage times, measured here on the same inputs.
    std::vector<double> json_parse, pixel_key;
    const std::string sample_body = cached.body(image);
    const cv::Mat sample_person =
        core::to_person_image(adapters::decode_image(jpeg, core::kDefaultMaxImagePixels), core::kDefaultMaxImagePixels);
    std::vector<double> http_latency, http_without_storage, local_latency, ratio, ratio_without_storage;
    std::vector<ServerTimes> http_times;
    std::vector<ServerTimes> local_runs;  // the in-process stages, for the comparison
    for (int round = 0; round < rounds; ++round) {
      for (int i = 0; i < cached_repeats; ++i) {
        const auto [seconds, times] = cached.timed(image);
        cached_latency.push_back(seconds);
        cached_upload.push_back(times.stage.at("upload"));
        cached_rest.push_back(seconds - times.stage.at("upload"));
        cached_times.push_back(times);
      }
      auto part = Clock::now();
      benchmark_keep(core::read_message(sample_body));
      json_parse.push_back(since(part));
      part = Clock::now();
      benchmark_keep(service::pixels_digest(sample_person));
      pixel_key.push_back(since(part));
      double http = 0;
      ServerTimes times;
      double local = 0;
      std::map<std::string, double> local_stages;
      const auto through_http = [&] { std::tie(http, times) = fresh.timed(image); };
      const auto in_process = [&] {
        const auto start = Clock::now();
        local_stages = in_process_image(pool, jpeg);
        local = since(start);
      };
      if (round % 2 == 0) {
        through_http();
        in_process();
      } else {
        in_process();
        through_http();
      }
      http_latency.push_back(http);
      http_without_storage.push_back(http - times.storage());
      local_latency.push_back(local);
      ratio.push_back(http / local);
      ratio_without_storage.push_back((http - times.storage()) / local);
      http_times.push_back(times);
      ServerTimes local_times;
      for (const auto& stage : kStages) local_times.stage[stage] = local_stages.count(stage) ? local_stages[stage] : 0;
      local_times.handler = local;
      local_runs.push_back(local_times);
      std::printf(
          "round %d: cached repeat %.1f ms (upload %.1f); HTTP %.0f ms (storage %.0f) vs in-process %.0f ms: "
          "%.3f, without storage %.3f\n",
          round + 1, 1000 * cached_latency.back(), 1000 * cached_upload.back(), 1000 * http, 1000 * times.storage(),
          1000 * local, ratio.back(), ratio_without_storage.back());
    }

    // 3: batches alternated, HTTP first in odd batches.
    std::vector<double> http_rate, local_rate;
    for (int batch = 0; batch < batch_rounds; ++batch) {
      const auto through_http = [&] {
        http_rate.push_back(throughput(2, batch_images, [&] { fresh.post(fresh.body(image)); }));
      };
      const auto in_process = [&] {
        local_rate.push_back(throughput(2, batch_images, [&] { in_process_image(pool, jpeg); }));
      };
      if (batch % 2 == 0) {
        through_http();
        in_process();
      } else {
        in_process();
        through_http();
      }
      std::printf("throughput batch %d (%d images, 2 at once): HTTP %.1f images/min, in-process %.1f\n", batch + 1,
                  batch_images, http_rate.back(), local_rate.back());
    }

    std::printf("\n== 1. cached repeat of a 7-type request (%zu repeats) ==\n", cached_latency.size());
    std::printf("  median latency %.1f ms, median S3 upload %.1f ms, latency minus upload %.1f ms (budget 60 ms: %s)\n",
                1000 * median(cached_latency), 1000 * median(cached_upload), 1000 * median(cached_rest),
                verdict(median(cached_rest) <= 0.060));
    print_stages("cached repeat", cached_times);
    std::printf("  in-process, parts of a hit no stage times (ms): JSON body parsed %.1f, SHA-256 pixel key %.1f\n",
                1000 * median(json_parse), 1000 * median(pixel_key));

    std::printf("\n== 2. 7-type request, cache off: HTTP against in-process (%d rounds) ==\n", rounds);
    std::printf("  median HTTP %.0f ms (without upload and PostgreSQL %.0f ms), in-process %.0f ms\n",
                1000 * median(http_latency), 1000 * median(http_without_storage), 1000 * median(local_latency));
    std::printf("  median ratio raw %.3f (%+.1f %%), without storage %.3f (%+.1f %%); budget +5 %% on the latter: %s\n",
                median(ratio), 100 * (median(ratio) - 1), median(ratio_without_storage),
                100 * (median(ratio_without_storage) - 1), verdict(median(ratio_without_storage) <= 1.05));
    print_stages("HTTP, cache off", http_times);
    print_stages("in-process", local_runs);

    std::printf("\n== 3. throughput, 2 at once, cache off (%d batches of %d images) ==\n", batch_rounds, batch_images);
    const double rate_ratio = median(http_rate) / median(local_rate);
    std::printf("  median HTTP %.1f images/min, in-process %.1f images/min: ratio %.3f (budget >= 0.90: %s)\n",
                median(http_rate), median(local_rate), rate_ratio, verdict(rate_ratio >= 0.90));
  } catch (const std::exception& error) {
    std::cerr << "mc_bench_http_api: " << error.what() << "\n";
    return 1;
  }
  return 0;
}

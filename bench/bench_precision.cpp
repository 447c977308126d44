// fp32 against bf16 (INFERENCE_PRECISION), side by side in one run: how close
// bf16's outputs stay, and how much faster it is (issue 29, docs/inference.md).
// Prints figures, not pass or fail. Run:
//   /usr/bin/python3 bench/make_random_models.py build/bench_models
//   /usr/bin/python3 bench/make_person_pose.py build/bench_models build/bench_person
//   MC_BENCH_CHECKPOINTS=build/bench_models MC_BENCH_PERSON_CHECKPOINTS=build/bench_person
//       build/release/mc_bench_precision [PHOTOS=20] [ROUNDS=7]          (one line)
// The networks are random-weight exports of the real architectures: their
// labels are meaningless, but how far bf16 moves them from fp32 is what the
// precision does to these operations at these sizes. The photos are the
// test mannequin in its 3 garments x hat/bag, painted in the test palette,
// over blurred noise of 20 seeds (no photos of people are kept in the
// repository). Agreement: ATR and LIP labels (fraction of pixels equal; as
// the service takes them, random weights give one label everywhere, so also
// the labels of the logits less each class's mean over the image, which follow
// the logits' spatial structure), the ATR logits' largest difference, the
// random pose network's heatmap peaks (of 19 channels, those whose argmax
// is the same pixel, and how far the others moved), keypoints of the
// person-finding pose (bench/make_person_pose.py: distance in pixels of
// 384 x 512; its constant maps dominate, so this mostly checks the decoding)
// and the 7 masks made from each precision's parse map (of centred logits)
// and keypoints (IoU). Speed: per round,
// fp32 then bf16 (interleaved, so that load on the machine hits both
// alike): the three forwards, and one whole 7-type request as `generate` runs it
// (decode, the three networks with their pre- and post-processing, masks, 7
// PNG files); medians over the rounds. Threads: all cores (the default).
#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "adapters/image_decoding.hpp"
#include "adapters/local_files.hpp"
#include "core/errors.hpp"
#include "core/mask_engine.hpp"
#include "core/parsing.hpp"
#include "core/person_image.hpp"
#include "core/pose.hpp"
#include "inference/human_analyzer.hpp"
#include "support/figure.hpp"
#include "support/mannequin.hpp"

namespace {

using namespace mc;
namespace fs = std::filesystem;

constexpr int kAtrSize = 512;
constexpr int kLipSize = 473;

struct Engine {
  std::string name;
  inference::ComputeDevice device;
  std::unique_ptr<inference::HumanAnalyzer> person;  // parsing + the person-finding pose
  std::unique_ptr<inference::PoseNetwork> pose;      // the random-weight pose network
};

Engine load(const std::string& precision, const fs::path& random, const fs::path& person, spdlog::logger& log) {
  inference::ModelSettings settings;
  settings.gpu_id = -1;
  settings.runtime.intra_op_threads = inference::default_intra_op_threads(1);
  settings.runtime.precision = precision;
  Engine engine{precision, inference::resolve_compute_device(-1, precision, log), nullptr, nullptr};
  engine.person = std::make_unique<inference::HumanAnalyzer>(
      inference::locate_checkpoints(person, inference::PoseModel::kOpenPose), settings, engine.device);
  engine.pose = std::make_unique<inference::PoseNetwork>(
      inference::locate_checkpoints(random, inference::PoseModel::kOpenPose).pose, settings.runtime, engine.device);
  return engine;
}

// A 1200 x 1600 JPEG of the mannequin over blurred noise (seed `index`).
std::string photo(int index, const fs::path& palette) {
  const test_support::LowerGarment garments[] = {test_support::LowerGarment::kPants, test_support::LowerGarment::kSkirt,
                                                 test_support::LowerGarment::kDress};
  test_support::MannequinOptions options;
  options.lower = garments[index % 3];
  options.hat = index % 2 == 0;
  options.bag = index % 4 < 2;
  const cv::Mat figure = test_support::paint_figure(test_support::make_mannequin(options).parse, palette);
  cv::Mat noise(figure.size(), CV_8UC3);
  cv::theRNG().state = static_cast<std::uint64_t>(index) + 1;
  cv::randu(noise, 0, 255);
  cv::GaussianBlur(noise, noise, {0, 0}, 2 + index % 5);
  cv::Mat blended;
  cv::addWeighted(figure, 0.8, noise, 0.2, 0, blended);
  cv::Mat large;
  cv::resize(blended, large, {1200, 1600}, 0, 0, cv::INTER_LINEAR);
  std::vector<std::uint8_t> bytes;
  cv::imencode(".jpg", large, bytes, {cv::IMWRITE_JPEG_QUALITY, 90});
  return {bytes.begin(), bytes.end()};
}

// Per channel of [1, C, h, w], how far (in pixels of that grid) the argmax
// moved from `a` to `b`.
std::vector<double> peak_shifts(const cv::Mat& a, const cv::Mat& b) {
  const int width = a.size[3];
  const int pixels = a.size[2] * width;
  std::vector<double> shifts;
  for (int c = 0; c < a.size[1]; ++c) {
    const float* pa = a.ptr<float>() + static_cast<std::ptrdiff_t>(c) * pixels;
    const float* pb = b.ptr<float>() + static_cast<std::ptrdiff_t>(c) * pixels;
    const auto ia = static_cast<int>(std::max_element(pa, pa + pixels) - pa);
    const auto ib = static_cast<int>(std::max_element(pb, pb + pixels) - pb);
    shifts.push_back(std::hypot(ia % width - ib % width, ia / width - ib / width));
  }
  return shifts;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double seconds_of(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One 7-type request as `generate` runs it, writing the masks into `out`.
void request(inference::HumanAnalyzer& analyzer, const std::string& jpeg, const fs::path& out) {
  const cv::Mat person = core::to_person_image(adapters::decode_image(jpeg), core::kDefaultMaxImagePixels);
  const inference::HumanAnalysis analysis = analyzer.analyze(person);
  const core::GeneratedMasks masks =
      core::generate_masks(analysis.parse, analysis.keypoints, core::Gender::kFemale, core::kAllMaskTypes);
  for (const auto& [type, mask] : masks.masks) adapters::write_png(out / core::mask_file_name(type), mask);
}

// What analyze() makes of one photo, keeping the ATR and LIP labels apart and
// the ATR logits (each network runs once).
struct Outputs {
  cv::Mat atr_logits;
  cv::Mat raw_atr;  // the labels as the service takes them
  cv::Mat atr;      // centred logits' labels (also LIP's, and the parse map's)
  cv::Mat lip;
  core::Keypoints keypoints{};
  cv::Mat parse;
};

// Random weights give every pixel the same label (one class's bias wins):
// with each class's mean over the image taken away, the labels follow the
// logits' spatial structure, as a trained network's do.
cv::Mat centred(const cv::Mat& logits) {
  cv::Mat out = logits.clone();
  const int pixels = out.size[2] * out.size[3];
  for (int c = 0; c < out.size[1]; ++c) {
    cv::Mat channel(1, pixels, CV_32F, out.ptr<float>() + static_cast<std::ptrdiff_t>(c) * pixels);
    channel -= cv::mean(channel)[0];
  }
  return out;
}

Outputs outputs_of(inference::HumanAnalyzer& analyzer, const cv::Mat& person) {
  Outputs out;
  out.atr_logits = analyzer.atr().fusion_logits(core::parsing_input_blob(person, kAtrSize));
  out.raw_atr = core::parsing_labels(out.atr_logits, kAtrSize, person.size());
  out.atr = core::parsing_labels(centred(out.atr_logits), kAtrSize, person.size());
  out.lip = core::parsing_labels(centred(analyzer.lip().fusion_logits(core::parsing_input_blob(person, kLipSize))),
                                 kLipSize, person.size());
  out.parse = core::merge_neck(core::refine_atr_labels(out.atr), out.lip);
  const core::PoseInput input = core::pose_input_blob(person);
  const auto pose = analyzer.pose().forward(input.blob);
  try {
    out.keypoints =
        core::choose_person(core::detect_people(core::upsample_pose_outputs(pose.paf, pose.heatmap, input.unpadded)))
            .keypoints;
  } catch (const core::InputError&) {  // nobody: all keypoints missing
  }
  return out;
}

int distinct_labels(const cv::Mat& labels) {
  double low = 0;
  double high = 0;
  cv::minMaxLoc(labels, &low, &high);
  int count = 0;
  for (int label = static_cast<int>(low); label <= static_cast<int>(high); ++label) {
    if (cv::countNonZero(labels == label) > 0) ++count;
  }
  return count;
}

void agreement(Engine& fp32, Engine& bf16, const std::vector<std::string>& photos) {
  std::vector<double> raw_atr;
  std::vector<double> raw_present;
  std::vector<double> atr;
  std::vector<double> lip;
  std::vector<double> labels_present;
  std::vector<double> logit_error;
  std::vector<double> distances;
  std::vector<int> peaks;
  std::vector<double> peak_shift;
  std::map<core::MaskType, std::vector<double>> ious;
  for (const std::string& jpeg : photos) {
    const cv::Mat person = core::to_person_image(adapters::decode_image(jpeg), core::kDefaultMaxImagePixels);
    const Outputs a = outputs_of(*fp32.person, person);
    const Outputs b = outputs_of(*bf16.person, person);
    raw_atr.push_back(test_support::label_agreement(a.raw_atr, b.raw_atr));
    raw_present.push_back(distinct_labels(a.raw_atr));
    atr.push_back(test_support::label_agreement(a.atr, b.atr));
    lip.push_back(test_support::label_agreement(a.lip, b.lip));
    labels_present.push_back(distinct_labels(a.atr));
    logit_error.push_back(cv::norm(a.atr_logits, b.atr_logits, cv::NORM_INF) / cv::norm(a.atr_logits, cv::NORM_INF));
    const cv::Mat pose_blob = core::pose_input_blob(person).blob;
    const std::vector<double> shifts =
        peak_shifts(fp32.pose->forward(pose_blob).heatmap, bf16.pose->forward(pose_blob).heatmap);
    peaks.push_back(static_cast<int>(std::count(shifts.begin(), shifts.end(), 0.0)));
    peak_shift.insert(peak_shift.end(), shifts.begin(), shifts.end());
    for (std::size_t k = 0; k < core::kKeypointCount; ++k) {
      distances.push_back(static_cast<double>(cv::norm(a.keypoints[k] - b.keypoints[k])));
    }
    const auto masks_a = core::generate_masks(a.parse, a.keypoints, core::Gender::kFemale, core::kAllMaskTypes);
    const auto masks_b = core::generate_masks(b.parse, b.keypoints, core::Gender::kFemale, core::kAllMaskTypes);
    for (std::size_t i = 0; i < masks_a.masks.size(); ++i) {
      ious[masks_a.masks[i].first].push_back(test_support::mask_iou(masks_a.masks[i].second, masks_b.masks[i].second));
    }
  }
  const auto worst = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  const auto mean = [](const std::vector<double>& v) {
    double sum = 0;
    for (const double x : v) sum += x;
    return sum / static_cast<double>(v.size());
  };
  std::printf("\nAgreement of bf16 with fp32 on %zu photos (worst / mean)\n", photos.size());
  std::printf("| what | worst | mean |\n|---|---|---|\n");
  std::printf("| ATR labels as the service takes them, equal | %.4f | %.4f |\n", worst(raw_atr), mean(raw_atr));
  std::printf("| ... labels present in fp32's map (fewest / mean) | %.0f | %.1f |\n", worst(raw_present),
              mean(raw_present));
  std::printf("| ATR labels of centred logits, equal | %.4f | %.4f |\n", worst(atr), mean(atr));
  std::printf("| LIP labels of centred logits, equal | %.4f | %.4f |\n", worst(lip), mean(lip));
  std::printf("| ... ATR labels present (fewest / mean) | %.0f | %.1f |\n", worst(labels_present),
              mean(labels_present));
  std::printf("| ATR logits: max abs difference / max abs fp32 (largest / mean) | %.4f | %.4f |\n",
              *std::max_element(logit_error.begin(), logit_error.end()), mean(logit_error));
  std::printf("| random pose heatmap peaks equal (of 19) | %d | %.1f |\n",
              *std::min_element(peaks.begin(), peaks.end()), mean(std::vector<double>(peaks.begin(), peaks.end())));
  std::printf("| random pose heatmap peak shift, px of the %s grid (largest / mean) | %.1f | %.2f |\n", "23 x 18",
              *std::max_element(peak_shift.begin(), peak_shift.end()), mean(peak_shift));
  std::printf("| keypoint distance, px of 384 x 512 (max / mean) | %.2f | %.3f |\n",
              *std::max_element(distances.begin(), distances.end()), mean(distances));
  for (const auto& [type, values] : ious) {
    std::printf("| mask IoU %s | %.4f | %.4f |\n", std::string(core::mask_type_name(type)).c_str(), worst(values),
                mean(values));
  }
}

void speed(Engine& fp32, Engine& bf16, const std::string& jpeg, int rounds) {
  const cv::Mat person = core::to_person_image(adapters::decode_image(jpeg), core::kDefaultMaxImagePixels);
  const cv::Mat atr_blob = core::parsing_input_blob(person, kAtrSize);
  const cv::Mat lip_blob = core::parsing_input_blob(person, kLipSize);
  const cv::Mat pose_blob = core::pose_input_blob(person).blob;
  const fs::path out = fs::temp_directory_path() / "mc_bench_precision";
  fs::create_directories(out);
  std::map<std::string, std::map<std::string, std::vector<double>>> times;  // stage -> engine -> seconds
  for (int round = 0; round < rounds; ++round) {
    for (Engine* engine : {&fp32, &bf16}) {
      auto& t = times;
      const std::string& name = engine->name;
      t["1 ATR forward"][name].push_back(seconds_of([&] { engine->person->atr().fusion_logits(atr_blob); }));
      t["2 LIP forward"][name].push_back(seconds_of([&] { engine->person->lip().fusion_logits(lip_blob); }));
      t["3 pose forward"][name].push_back(seconds_of([&] { engine->person->pose().forward(pose_blob); }));
      t["4 three forwards"][name].push_back(t["1 ATR forward"][name].back() + t["2 LIP forward"][name].back() +
                                            t["3 pose forward"][name].back());
      t["5 7-type request (generate)"][name].push_back(seconds_of([&] { request(*engine->person, jpeg, out); }));
    }
  }
  fs::remove_all(out);
  std::printf("\nSpeed, medians of %d interleaved rounds (seconds)\n", rounds);
  std::printf("| stage | fp32 | bf16 | bf16 / fp32 |\n|---|---|---|---|\n");
  for (auto& [stage, engines] : times) {
    const double a = median(engines["fp32"]);
    const double b = median(engines["bf16"]);
    std::printf("| %s | %.3f | %.3f | %.2f |\n", stage.substr(2).c_str(), a, b, b / a);
  }
  const double request_bf16 = median(times["5 7-type request (generate)"]["bf16"]);
  const double forwards_bf16 = median(times["4 three forwards"]["bf16"]);
  std::printf("| bf16 request / bf16 forwards | | | %.2f |\n", request_bf16 / forwards_bf16);
}

}  // namespace

int main(int argc, char** argv) {
  const char* random = std::getenv("MC_BENCH_CHECKPOINTS");
  const char* person = std::getenv("MC_BENCH_PERSON_CHECKPOINTS");
  if (random == nullptr || person == nullptr) {
    std::cerr << "set MC_BENCH_CHECKPOINTS (bench/make_random_models.py) and MC_BENCH_PERSON_CHECKPOINTS "
                 "(bench/make_person_pose.py)\n";
    return 2;
  }
  const int photo_count = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 7;
  try {
    auto log = spdlog::stderr_color_st("bench");
    Engine fp32 = load("fp32", random, person, *log);
    Engine bf16 = load("bf16", random, person, *log);
    if (bf16.device.bf16.empty()) {
      std::cerr << "bf16 is not available on this machine (see the warning above): nothing to compare\n";
      return 1;
    }
    std::printf("fp32: ONNX Runtime %s on the CPU; bf16: OpenVINO %s on %s; %d threads\n",
                inference::onnxruntime_version().c_str(), inference::openvino_version().c_str(),
                bf16.device.bf16.c_str(), inference::default_intra_op_threads(1));
    std::vector<std::string> photos;
    for (int i = 0; i < photo_count; ++i) photos.push_back(photo(i, MC_BENCH_PALETTE));
    // One untimed request each: first-pass allocations and lazy set-up.
    const fs::path warm = fs::temp_directory_path() / "mc_bench_precision_warm";
    fs::create_directories(warm);
    request(*fp32.person, photos[0], warm);
    request(*bf16.person, photos[0], warm);
    fs::remove_all(warm);
    speed(fp32, bf16, photos[0], rounds);
    agreement(fp32, bf16, photos);
  } catch (const std::exception& error) {
    std::cerr << "mc_bench_precision: " << error.what() << "\n";
    return 1;
  }
  return 0;
}

// Differential tests: the project's masks and their single steps against
// tests/oracle/oracle.py, which computes them with the reference's libraries
// (Pillow, OpenCV, numpy) on Debian's python3. Each test writes its random
// inputs into a scratch folder, runs the oracle once over all of them and
// compares pixel by pixel.
//
// MC_ORACLE_FIGURES sets the number of random figures (default 300; the ASan
// preset uses fewer), MC_ORACLE_SEED the Python service, MC_ORACLE_KEEP=1 keeps the
// scratch folders for a look.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/category_mask.hpp"
#include "core/keypoints.hpp"
#include "core/label_map.hpp"
#include "core/labels.hpp"
#include "core/mask_engine.hpp"
#include "core/mask_types.hpp"
#include "core/pillow_draw.hpp"
#include "core/parsing.hpp"
#include "core/pillow_resize.hpp"
#include "oracle/oracle_support.hpp"
#include "oracle/random_figure.hpp"
#include "support/figure.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace mc;

using oracle_support::env_int;
using oracle_support::run_oracle;
using oracle_support::Scratch;
using oracle_support::seeded_rng;

void write_png(const std::string& path, const cv::Mat& image) {
  if (!cv::imwrite(path, image)) throw std::runtime_error("cannot write " + path);
}

cv::Mat read_png(const std::string& path) {
  cv::Mat image = cv::imread(path, cv::IMREAD_UNCHANGED);
  if (image.empty()) throw std::runtime_error("cannot read " + path);
  return image;
}

int differing_pixels(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return -1;
  return cv::countNonZero(a != b);
}

// Counts identical results of a step and describes the first differences.
struct StepTally {
  int total = 0;
  int identical = 0;
  std::vector<std::string> differences;

  void add(const cv::Mat& ours, const cv::Mat& oracle, const std::string& what) {
    ++total;
    const int diff = differing_pixels(ours, oracle);
    if (diff == 0) {
      ++identical;
    } else if (differences.size() < 10) {
      differences.push_back(what + ": " +
                            (diff < 0 ? std::string("size or type differs") : std::to_string(diff) + " pixels differ"));
    }
  }
  void report(const std::string& step) const {
    std::cout << "oracle step " << step << ": " << identical << " of " << total << " identical\n";
    for (const auto& d : differences) std::cout << "  " << d << '\n';
  }
};

json point_json(cv::Point2f p) { return json::array({p.x, p.y}); }

// --- Single steps ---

TEST(OracleSteps, NearestResizeMatchesPillow) {
  Scratch scratch("resize");
  std::mt19937 rng = seeded_rng(1);
  std::uniform_int_distribution<int> side(1, 600);
  // The sizes of the masks' own resizes, label maps of other sizes to 768 x 1024, then random ones.
  std::vector<std::pair<cv::Size, cv::Size>> cases = {
      {{768, 1024}, {384, 512}},  {{384, 512}, {768, 1024}},   {{1000, 1333}, {768, 1024}},
      {{767, 1023}, {768, 1024}}, {{1536, 2048}, {768, 1024}}, {{500, 700}, {768, 1024}},
      {{769, 1025}, {768, 1024}}, {{3, 4}, {768, 1024}},       {{768, 1024}, {768, 1024}}};
  for (int i = 0; i < 300; ++i) cases.push_back({{side(rng), side(rng)}, {side(rng), side(rng)}});

  json jobs = json::array();
  std::vector<cv::Mat> inputs;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    cv::Mat labels(cases[i].first, CV_8UC1);
    cv::randu(labels, 0, core::kMaxLabel + 1);
    inputs.push_back(labels);
    write_png(scratch.file("in" + std::to_string(i) + ".png"), labels);
    jobs.push_back({{"kind", "resize"},
                    {"in", scratch.file("in" + std::to_string(i) + ".png")},
                    {"size", {cases[i].second.width, cases[i].second.height}},
                    {"out", scratch.file("out" + std::to_string(i) + ".png")}});
  }
  run_oracle(scratch, jobs);

  StepTally tally;
  StepTally label_maps;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const cv::Mat oracle = read_png(scratch.file("out" + std::to_string(i) + ".png"));
    std::ostringstream what;
    what << cases[i].first << " -> " << cases[i].second;
    tally.add(core::pillow::resize_nearest(inputs[i], cases[i].second), oracle, what.str());
    if (cases[i].second == cv::Size(core::kImageWidth, core::kImageHeight)) {
      label_maps.add(core::normalize_label_map(inputs[i]), oracle, what.str());
    }
  }
  tally.report("resize (Pillow NEAREST)");
  label_maps.report("label map to 768 x 1024");
  EXPECT_EQ(tally.identical, tally.total);
  EXPECT_EQ(label_maps.identical, label_maps.total);
}

// A coordinate for the drawing tests: mostly inside, often near or over an
// edge, sometimes 0 or far out (the uint16 range).
int random_coordinate(std::mt19937& rng, int limit) {
  const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
  if (kind == 0) return 0;
  if (kind == 1) return std::uniform_int_distribution<int>(limit - 8, limit + 60)(rng);
  if (kind == 2) return std::uniform_int_distribution<int>(0, 12)(rng);
  if (kind == 3 && std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
    return std::uniform_int_distribution<int>(60000, 65535)(rng);
  }
  return std::uniform_int_distribution<int>(0, limit)(rng);
}

TEST(OracleSteps, PolylinesMatchPillow) {
  Scratch scratch("lines");
  std::mt19937 rng = seeded_rng(2);
  const cv::Size size(core::kWorkWidth, core::kWorkHeight);
  json jobs = json::array();
  std::vector<std::vector<cv::Point>> polylines;
  std::vector<int> widths;
  std::vector<bool> curves;
  for (int i = 0; i < 600; ++i) {
    const int count = i % 5 == 0 ? 2 : (i % 7 == 0 ? 4 : 3);
    std::vector<cv::Point> points;
    for (int k = 0; k < count; ++k)
      points.emplace_back(random_coordinate(rng, size.width), random_coordinate(rng, size.height));
    if (i % 11 == 0) points[1] = points[0];                      // zero-length segment
    if (i % 13 == 0) points.back() = points[1] * 2 - points[0];  // straight: no joint
    const int width = i % 3 == 0 ? std::uniform_int_distribution<int>(2, 90)(rng) : core::kArmLineWidth;
    const bool curve = i % 4 != 1;
    json flat = json::array();
    for (const auto& p : points) {
      flat.push_back(p.x);
      flat.push_back(p.y);
    }
    const std::string out = scratch.file("line" + std::to_string(i) + ".png");
    jobs.push_back({{"kind", "line"},
                    {"points", flat},
                    {"width", width},
                    {"joint", curve ? json("curve") : json()},
                    {"size", {size.width, size.height}},
                    {"out", out}});
    polylines.push_back(points);
    widths.push_back(width);
    curves.push_back(curve);
  }
  run_oracle(scratch, jobs);
  StepTally tally;
  for (std::size_t i = 0; i < polylines.size(); ++i) {
    cv::Mat ours = cv::Mat::zeros(size, CV_8UC1);
    core::pillow::line(ours, polylines[i], widths[i], curves[i]);
    std::ostringstream what;
    what << "polyline " << i << " width " << widths[i] << (curves[i] ? " curve" : "") << " points";
    for (const auto& p : polylines[i]) what << ' ' << p;
    tally.add(ours, read_png(scratch.file("line" + std::to_string(i) + ".png")), what.str());
  }
  tally.report("ImageDraw.line");
  EXPECT_EQ(tally.identical, tally.total);
}

TEST(OracleSteps, ArmImagesMatchPillow) {
  Scratch scratch("arms");
  std::mt19937 rng = seeded_rng(3);
  // Float keypoints as pose estimation gives them, some negative after the
  // wrist extension or off the image (clipped, not wrapped), some (0, 0).
  std::uniform_real_distribution<float> x(-60.0F, 450.0F);
  std::uniform_real_distribution<float> y(-60.0F, 580.0F);
  std::uniform_int_distribution<int> die(0, 19);
  auto point = [&] {
    const int roll = die(rng);
    if (roll == 0) return cv::Point2f(0.0F, 0.0F);
    if (roll == 1) return cv::Point2f(std::uniform_real_distribution<float>(0.0F, 2.0F)(rng), y(rng));
    if (roll == 2) return cv::Point2f(std::uniform_real_distribution<float>(380.0F, 384.0F)(rng), y(rng));
    return cv::Point2f(std::max(x(rng), 0.0F), std::max(y(rng), 0.0F));
  };
  struct Arm {
    cv::Point2f shoulder, elbow, wrist;
    core::ArmSide side;
  };
  std::vector<Arm> arms;
  json jobs = json::array();
  for (int i = 0; i < 500; ++i) {
    Arm arm{point(), point(), point(), i % 2 == 0 ? core::ArmSide::kRight : core::ArmSide::kLeft};
    if (i % 9 == 0) arm.wrist = arm.elbow + (arm.elbow - arm.shoulder);  // straight arm
    arms.push_back(arm);
    jobs.push_back({{"kind", "arm"},
                    {"shoulder", point_json(arm.shoulder)},
                    {"elbow", point_json(arm.elbow)},
                    {"wrist", point_json(arm.wrist)},
                    {"left", arm.side == core::ArmSide::kLeft},
                    {"out", scratch.file("arm" + std::to_string(i) + ".png")}});
  }
  run_oracle(scratch, jobs);
  StepTally tally;
  for (std::size_t i = 0; i < arms.size(); ++i) {
    const Arm& a = arms[i];
    const cv::Mat ours =
        core::draw_arm_image({core::kWorkWidth, core::kWorkHeight}, a.shoulder, a.elbow, a.wrist, a.side);
    std::ostringstream what;
    what << "arm " << i << " shoulder " << a.shoulder << " elbow " << a.elbow << " wrist " << a.wrist;
    tally.add(ours, read_png(scratch.file("arm" + std::to_string(i) + ".png")), what.str());
  }
  tally.report("arm image (line + curve joint + shoulder ring)");
  EXPECT_EQ(tally.identical, tally.total);
}

// A random 0/255 mask of blobs, some with holes that hold islands, some on the border.
cv::Mat random_blobs(std::mt19937& rng, cv::Size size) {
  cv::Mat mask = cv::Mat::zeros(size, CV_8UC1);
  std::uniform_int_distribution<int> cx(-20, size.width + 20);
  std::uniform_int_distribution<int> cy(-20, size.height + 20);
  std::uniform_int_distribution<int> radius(1, 90);
  std::uniform_int_distribution<int> count(1, 12);
  const int blobs = count(rng);
  for (int i = 0; i < blobs; ++i) {
    const cv::Point centre(cx(rng), cy(rng));
    const cv::Size axes(radius(rng), radius(rng));
    cv::ellipse(mask, centre, axes, static_cast<double>(radius(rng)), 0, 360, cv::Scalar(255), cv::FILLED);
    if (i % 2 == 0) {  // a hole, maybe with an island
      const cv::Size hole(std::max(1, axes.width / 2), std::max(1, axes.height / 3));
      cv::ellipse(mask, centre, hole, 0, 0, 360, cv::Scalar(0), cv::FILLED);
      if (i % 4 == 0) cv::circle(mask, centre, std::max(0, hole.height / 3), cv::Scalar(255), cv::FILLED);
    }
  }
  cv::Mat noise(size, CV_8UC1);
  cv::randu(noise, 0, 256);
  mask.setTo(255, noise > 252);  // single pixels: specks and one-pixel holes
  mask.setTo(0, noise < 3);
  return mask;
}

// The oracle's mask-to-mask step `kind` ("clean_up", "largest_region") on each of `inputs`.
std::vector<cv::Mat> oracle_mask_step(const std::string& kind, const std::vector<cv::Mat>& inputs) {
  Scratch scratch(kind);
  json jobs = json::array();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    write_png(scratch.file("in" + std::to_string(i) + ".png"), inputs[i]);
    jobs.push_back({{"kind", kind},
                    {"in", scratch.file("in" + std::to_string(i) + ".png")},
                    {"out", scratch.file("out" + std::to_string(i) + ".png")}});
  }
  run_oracle(scratch, jobs);
  std::vector<cv::Mat> outputs;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    outputs.push_back(read_png(scratch.file("out" + std::to_string(i) + ".png")));
  return outputs;
}

TEST(OracleSteps, HoleFillingAndSmoothingMatchOpenCV) {
  std::mt19937 rng = seeded_rng(4);
  std::vector<cv::Mat> inputs;
  for (int i = 0; i < 200; ++i) inputs.push_back(random_blobs(rng, {core::kWorkWidth, core::kWorkHeight}));
  const std::vector<cv::Mat> expected = oracle_mask_step("clean_up", inputs);
  StepTally tally;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    cv::Mat ours = inputs[i].clone();
    core::fill_holes_and_smooth(ours);
    tally.add(ours, expected[i], "mask " + std::to_string(i));
  }
  tally.report("hole filling + close/open");
  EXPECT_EQ(tally.identical, tally.total);
}

TEST(OracleSteps, LargestRegionMatchesOpenCVIncludingTies) {
  std::mt19937 rng = seeded_rng(5);
  std::vector<cv::Mat> inputs;
  for (int i = 0; i < 200; ++i) {
    cv::Mat mask;
    if (i % 2 == 0) {
      mask = random_blobs(rng, {core::kWorkWidth, core::kWorkHeight});
    } else {
      // Exact ties: one random shape stamped two to four times; the first
      // contour in OpenCV's order must win, as list.index(max(...)) picks it.
      mask = cv::Mat::zeros(core::kWorkHeight, core::kWorkWidth, CV_8UC1);
      const cv::Mat shape = random_blobs(rng, {60, 70});
      const int copies = 2 + i % 3;
      for (int c = 0; c < copies; ++c) {
        const cv::Rect place(10 + (c % 2) * 150 + (i % 5) * 7, 20 + c * 120 - (c % 2) * 40, 60, 70);
        shape.copyTo(mask(place));
      }
      if (i % 3 == 0) cv::circle(mask, {300, 450}, 3, cv::Scalar(255), cv::FILLED);
    }
    inputs.push_back(mask);
  }
  const std::vector<cv::Mat> expected = oracle_mask_step("largest_region", inputs);
  StepTally tally;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    tally.add(core::largest_region(inputs[i]), expected[i], "mask " + std::to_string(i));
  }
  tally.report("largest region");
  EXPECT_EQ(tally.identical, tally.total);
}

// --- Human parsing: the affine warp, align-corners upsampling, inverse warp ---

TEST(OracleParsing, InputWarpMatchesOpenCVAndNumpy) {
  Scratch scratch("parsing_input");
  cv::theRNG().state = static_cast<std::uint64_t>(env_int("MC_ORACLE_SEED", 20240610)) + 7;
  const std::vector<std::pair<cv::Size, int>> cases = {{{768, 1024}, 512}, {{768, 1024}, 473}, {{1024, 768}, 512},
                                                       {{333, 500}, 473},  {{640, 480}, 512},  {{97, 61}, 473}};
  json jobs = json::array();
  std::vector<cv::Mat> images;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    cv::Mat bgr(cases[i].first, CV_8UC3);
    cv::randu(bgr, 0, 256);
    cv::GaussianBlur(bgr, bgr, {0, 0}, 3.0);  // smooth like a photo, with texture left
    images.push_back(bgr);
    write_png(scratch.file("in" + std::to_string(i) + ".png"), bgr);
    jobs.push_back({{"kind", "parsing_input"},
                    {"in", scratch.file("in" + std::to_string(i) + ".png")},
                    {"input_size", cases[i].second},
                    {"out", scratch.file("out" + std::to_string(i) + ".f32")}});
  }
  run_oracle(scratch, jobs);
  double worst = 0.0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const int size = cases[i].second;
    const cv::Mat blob = core::parsing_input_blob(images[i], size);
    std::vector<float> oracle(static_cast<std::size_t>(3 * size * size));
    std::ifstream(scratch.file("out" + std::to_string(i) + ".f32"), std::ios::binary)
        .read(reinterpret_cast<char*>(oracle.data()), static_cast<std::streamsize>(oracle.size() * sizeof(float)));
    const cv::Mat ours(1, static_cast<int>(oracle.size()), CV_32F, const_cast<float*>(blob.ptr<float>()));
    const cv::Mat theirs(1, static_cast<int>(oracle.size()), CV_32F, oracle.data());
    const double diff = cv::norm(ours, theirs, cv::NORM_INF);
    worst = std::max(worst, diff);
    // The same warpAffine on the same 8-bit image: equal up to float rounding of the normalisation.
    EXPECT_LT(diff, 1e-5) << cases[i].first << " S " << size;
  }
  std::cout << "oracle parsing input: " << cases.size() << " images, max abs difference " << worst << '\n';
}

TEST(OracleParsing, LabelsMatchTorchUpsamplingAndOpenCVInverseWarp) {
  Scratch scratch("parsing_labels");
  cv::theRNG().state = static_cast<std::uint64_t>(env_int("MC_ORACLE_SEED", 20240610)) + 8;
  struct Case {
    int classes, side, input_size;
    cv::Size image;
  };
  const std::vector<Case> cases = {{18, 128, 512, {768, 1024}}, {20, 119, 473, {768, 1024}},
                                   {18, 128, 512, {768, 1024}}, {20, 119, 473, {768, 1024}},
                                   {18, 128, 512, {500, 333}},  {20, 119, 473, {61, 97}}};
  json jobs = json::array();
  std::vector<cv::Mat> logits;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::array<int, 4> shape{1, c.classes, c.side, c.side};
    cv::Mat blob(4, shape.data(), CV_32F);
    // Smooth random class scores, so that regions form and boundaries fall between samples.
    for (int k = 0; k < c.classes; ++k) {
      cv::Mat plane(c.side, c.side, CV_32F, blob.ptr<float>(0, k));
      cv::randn(plane, 0.0, 4.0);
      cv::GaussianBlur(plane, plane, {0, 0}, 2.0 + static_cast<double>(i));
    }
    logits.push_back(blob);
    std::ofstream(scratch.file("logits" + std::to_string(i) + ".f32"), std::ios::binary)
        .write(reinterpret_cast<const char*>(blob.ptr<float>()),
               static_cast<std::streamsize>(blob.total() * sizeof(float)));
    jobs.push_back({{"kind", "parsing_labels"},
                    {"in", scratch.file("logits" + std::to_string(i) + ".f32")},
                    {"shape", {c.classes, c.side, c.side}},
                    {"input_size", c.input_size},
                    {"image", {c.image.width, c.image.height}},
                    {"out", scratch.file("labels" + std::to_string(i) + ".png")}});
  }
  run_oracle(scratch, jobs);
  std::int64_t pixels = 0;
  std::int64_t differing = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const cv::Mat ours = core::parsing_labels(logits[i], cases[i].input_size, cases[i].image);
    const cv::Mat oracle = read_png(scratch.file("labels" + std::to_string(i) + ".png"));
    const int diff = differing_pixels(ours, oracle);
    ASSERT_GE(diff, 0);
    pixels += static_cast<std::int64_t>(ours.total());
    differing += diff;
    // Float rounding of the upsampling may flip a near tie; more than 0.01 % is a different algorithm.
    EXPECT_LE(diff, static_cast<int>(ours.total() / 10000)) << "case " << i;
  }
  std::cout << "oracle parsing labels: " << cases.size() << " maps, " << differing << " of " << pixels
            << " pixels differ\n";
}

// --- Whole masks ---

TEST(OracleMasks, RandomFiguresMatchTheReference) {
  const int figures = env_int("MC_ORACLE_FIGURES", 300);
  ASSERT_GT(figures, 0);
  Scratch scratch("masks");
  std::mt19937 rng = seeded_rng(6);
  std::vector<test_support::RandomFigure> people;
  json jobs = json::array();
  for (int i = 0; i < figures; ++i) {
    people.push_back(test_support::random_figure(rng, i));
    const std::string id = std::to_string(i);
    fs::create_directories(scratch.path() / ("out" + id));
    write_png(scratch.file("parse" + id + ".png"), people.back().parse);
    std::ofstream(scratch.file("keypoints" + id + ".json")) << core::keypoints_to_json(people.back().keypoints).dump();
    jobs.push_back({{"kind", "masks"},
                    {"parse", scratch.file("parse" + id + ".png")},
                    {"keypoints", scratch.file("keypoints" + id + ".json")},
                    {"gender", people.back().gender},
                    {"out", scratch.file("out" + id)}});
  }
  run_oracle(scratch, jobs);

  struct TypeTally {
    int total = 0;
    int identical = 0;
    double min_iou = 1.0;
  };
  std::map<std::string, TypeTally> per_type;
  std::vector<std::string> differences;
  int total = 0;
  int identical = 0;
  double min_iou = 1.0;
  for (int i = 0; i < figures; ++i) {
    const auto& person = people[static_cast<std::size_t>(i)];
    const auto generated =
        core::generate_masks(person.parse, person.keypoints,
                             core::gender_from_text(person.gender).value_or(core::Gender::kOther), core::kAllMaskTypes);
    for (const auto& [type, mask] : generated.masks) {
      const std::string name(core::mask_type_name(type));
      const cv::Mat oracle = read_png(scratch.file("out" + std::to_string(i) + "/" + core::mask_file_name(type)));
      const int diff = differing_pixels(mask, oracle);
      ASSERT_GE(diff, 0) << "figure " << i << " " << name << ": size or type differs";
      const double iou = test_support::mask_iou(mask, oracle);
      TypeTally& t = per_type[name];
      ++t.total;
      ++total;
      t.min_iou = std::min(t.min_iou, iou);
      min_iou = std::min(min_iou, iou);
      if (diff == 0) {
        ++t.identical;
        ++identical;
      } else {
        std::ostringstream line;
        line << "figure " << i << " (gender '" << person.gender << "') " << name << ": " << diff
             << " pixels differ, IoU " << std::setprecision(6) << iou;
        differences.push_back(line.str());
      }
    }
  }
  const double fraction = static_cast<double>(identical) / total;
  std::cout << "oracle masks: " << figures << " figures, " << total << " masks, " << identical << " identical ("
            << std::setprecision(5) << 100.0 * fraction << "%), min IoU " << std::setprecision(6) << min_iou << '\n';
  for (const auto& [name, t] : per_type) {
    std::cout << "  " << name << ": " << t.identical << " of " << t.total << " identical, min IoU " << t.min_iou
              << '\n';
  }
  for (const auto& d : differences) std::cout << "  " << d << '\n';
  RecordProperty("masks", total);
  RecordProperty("identical", identical);
  RecordProperty("min_iou", std::to_string(min_iou));
  EXPECT_GE(fraction, 0.99);
  EXPECT_GE(min_iou, 0.995);
}

// The golden masks (tests/golden) are the reference's masks of their inputs.
TEST(OracleMasks, GoldenMasksAreTheReferences) {
  Scratch scratch("golden");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"male_pants", "M"}, {"female_skirt", "F"}, {"female_dress_missing_left_wrist", "F"}};
  json jobs = json::array();
  for (const auto& [name, gender] : cases) {
    fs::create_directories(scratch.path() / name);
    const fs::path dir = fs::path(MC_GOLDEN_DIR) / name;
    jobs.push_back({{"kind", "masks"},
                    {"parse", (dir / "parse.png").string()},
                    {"keypoints", (dir / "keypoints.json").string()},
                    {"gender", gender},
                    {"out", scratch.file(name)}});
  }
  run_oracle(scratch, jobs);
  StepTally tally;
  for (const auto& [name, gender] : cases) {
    for (const core::MaskType type : core::kAllMaskTypes) {
      const std::string file = core::mask_file_name(type);
      tally.add(read_png((fs::path(MC_GOLDEN_DIR) / name / file).string()), read_png(scratch.file(name + "/" + file)),
                name + "/" + file);
    }
  }
  tally.report("golden masks");
  EXPECT_EQ(tally.identical, tally.total);
}

}  // namespace

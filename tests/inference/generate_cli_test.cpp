// `maskcomponent generate` run as a user runs it, on synthetic figures painted
// for the colour-keyed test parsers and the pose fixture (tests/models).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "adapters/local_files.hpp"
#include "core/mask_engine.hpp"
#include "core/mask_profiles.hpp"
#include "support/cli_run.hpp"
#include "support/figure.hpp"

namespace {

namespace fs = std::filesystem;
using mc::test_support::CliRun;

const fs::path kModels = MC_TEST_MODELS_DIR;
const fs::path kFigure = fs::path(MC_GOLDEN_DIR) / "male_pants";

class GenerateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("mc_generate_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    parse = mc::adapters::read_label_png(kFigure / "parse.png");
    keypoints = mc::adapters::read_keypoints_json(kFigure / "keypoints.json");
    photo = mc::test_support::paint_figure(parse, kModels / "one_person" / "palette.json");
  }
  void TearDown() override { fs::remove_all(dir); }

  CliRun generate(const fs::path& image, const std::string& models = "one_person", const std::string& extra = "") {
    const std::string checkpoints = models.empty() ? "" : " --checkpoints " + (kModels / models).string();
    return mc::test_support::run_command(std::string(MC_CLI_PATH) + " generate --image " + image.string() +
                                         " --gender M" + checkpoints + " --out " + (dir / "out").string() + " " +
                                         extra);
  }

  fs::path write_image(const std::string& name, const cv::Mat& image, const std::vector<int>& params = {}) {
    const fs::path path = dir / name;
    EXPECT_TRUE(cv::imwrite(path.string(), image, params));
    return path;
  }

  fs::path write_bytes(const std::string& name, const std::string& bytes) {
    const fs::path path = dir / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // A failing run: the exit code, one line naming the problem, nothing written.
  void expect_error(const CliRun& run, int exit_code, const std::string& needle) {
    EXPECT_EQ(run.exit_code, exit_code) << run.output;
    EXPECT_NE(run.output.find(needle), std::string::npos) << run.output;
    EXPECT_FALSE(fs::exists(dir / "out")) << "nothing is written on failure";
  }

  // Masks, parse map and keypoints equal what the figure implies.
  void expect_figure_recovered() {
    const cv::Mat got_parse = cv::imread((dir / "out" / "parse.png").string(), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(got_parse.size(), parse.size());
    // The parsers see the figure through 4 x 4 pooled cells (8 x 8 pixels here)
    // and SCHP's aligned-corner upsampling, which moves boundaries by up to 3
    // pixels: measured 98.7 % of pixels agree, every mask IoU >= 0.976.
    EXPECT_GT(mc::test_support::label_agreement(parse, got_parse), 0.98);
    // Away from label boundaries (where the 4x pooled logits blend colours) every pixel is right.
    const auto interior = mc::test_support::interior_mismatches(parse, got_parse, 8);
    EXPECT_GT(interior.interior, 600000);
    EXPECT_EQ(interior.wrong, 0);

    const mc::core::Keypoints got_keypoints = mc::adapters::read_keypoints_json(dir / "out" / "keypoints.json");
    for (std::size_t i = 0; i < mc::core::kKeypointCount; ++i) {
      EXPECT_LE(cv::norm(got_keypoints[i] - keypoints[i]), 3.0)
          << "keypoint " << i << " at " << got_keypoints[i] << ", expected " << keypoints[i];
    }

    const auto expected = mc::core::generate_masks(parse, keypoints, mc::core::Gender::kMale,
                                                   {mc::core::kAllMaskTypes.begin(), mc::core::kAllMaskTypes.end()});
    for (const auto& [type, mask] : expected.masks) {
      const std::string file = mc::core::mask_file_name(type);
      const cv::Mat got = cv::imread((dir / "out" / file).string(), cv::IMREAD_UNCHANGED);
      ASSERT_EQ(got.size(), mask.size()) << file;
      EXPECT_GE(mc::test_support::mask_iou(mask, got), 0.97) << file;
    }
  }

  fs::path dir;
  cv::Mat parse;
  mc::core::Keypoints keypoints{};
  cv::Mat photo;
};

// Issue 31: --profile writes that model's mask of the analysis it dumps, and no seed mask.
TEST_F(GenerateCli, AProfileWritesTheModelsMaskOfTheAnalysis) {
  const CliRun run = generate(write_image("photo.png", photo), "one_person",
                              "--profile ootd_dc --category lower_body --dump-parse "
                              "--dump-keypoints");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const cv::Mat mask = cv::imread((dir / "out" / "ootd_dc_lower_body_mask.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(mask.empty()) << run.output;
  const mc::core::ProfileMask expected =
      mc::core::profile_mask(mc::adapters::read_label_png(dir / "out" / "parse.png"),
                             mc::adapters::read_keypoints_json(dir / "out" / "keypoints.json"),
                             mc::core::MaskProfile::kOotdDc, mc::core::Category::kLowerBody);
  EXPECT_EQ(cv::countNonZero(mask != expected.mask), 0);
  EXPECT_GT(cv::countNonZero(mask), 0);
  EXPECT_TRUE(fs::exists(dir / "out" / "ootd_dc_lower_body_mask_gray.png"));
  EXPECT_FALSE(fs::exists(dir / "out" / "lower_body_mask.png"));
}

TEST_F(GenerateCli, RecoversParseKeypointsAndMasksOfAFigure) {
  const CliRun run = generate(write_image("figure.png", photo), "one_person",
                              "--dump-parse --dump-keypoints --preview " + (dir / "preview.png").string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_figure_recovered();
  const cv::Mat preview = cv::imread((dir / "preview.png").string());
  EXPECT_EQ(preview.cols, 4 * 384);
  EXPECT_EQ(preview.rows, 2 * (512 + 36));
}

TEST_F(GenerateCli, NoOnnxRuntimeTelemetryIsKeptUnderHome) {
  // The official ONNX Runtime build keeps a telemetry store under
  // $HOME/.cache/Microsoft unless it is turned off.
  const fs::path home = dir / "home";
  fs::create_directories(home);
  const fs::path image = write_image("photo.png", photo);
  const CliRun run = mc::test_support::run_command(
      "env HOME=" + home.string() + " " + MC_CLI_PATH + " generate --image " + image.string() +
      " --gender M --checkpoints " + (kModels / "one_person").string() + " --out " + (dir / "out").string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_FALSE(fs::exists(home / ".cache" / "Microsoft")) << "ONNX Runtime's telemetry store was created";
}

TEST_F(GenerateCli, LargerJpegIsCroppedAndResizedToThePersonImage) {
  // Twice the size with extra background on both sides: the 3:4 centre crop and
  // the area resize give the figure back.
  cv::Mat large;
  cv::resize(photo, large, {}, 2, 2, cv::INTER_NEAREST);
  const cv::Vec3b background = photo.at<cv::Vec3b>(0, 0);
  cv::copyMakeBorder(large, large, 0, 0, 200, 200, cv::BORDER_CONSTANT,
                     cv::Scalar(background[0], background[1], background[2]));
  const CliRun run = generate(write_image("figure.jpg", large, {cv::IMWRITE_JPEG_QUALITY, 97}), "one_person",
                              "--dump-parse --dump-keypoints");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_figure_recovered();
}

TEST_F(GenerateCli, SubsetOfTypesWritesOnlyThose) {
  const CliRun run = generate(write_image("figure.webp", photo, {cv::IMWRITE_WEBP_QUALITY, 101}), "one_person",
                              "--types lower_body,dress");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(fs::exists(dir / "out" / "lower_body_mask.png"));
  EXPECT_TRUE(fs::exists(dir / "out" / "dress_mask.png"));
  EXPECT_FALSE(fs::exists(dir / "out" / "upper_body_mask.png"));
  EXPECT_FALSE(fs::exists(dir / "out" / "parse.png"));
}

TEST_F(GenerateCli, SeveralPeopleUseTheMostCompleteOneAndWarn) {
  const CliRun run = generate(write_image("figure.png", photo), "two_people", "--dump-parse --dump-keypoints");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("2 people detected; using the one with the most body parts (18 of 18)"), std::string::npos)
      << run.output;
  expect_figure_recovered();
  std::ifstream in(dir / "out" / "keypoints.json");
  const auto document = nlohmann::json::parse(in);
  ASSERT_TRUE(document.contains("warnings"));
  EXPECT_EQ(document["warnings"].size(), 1U);
}

// Issue 20: --options on the whole path: every output beside the masks, the
// report with the pose step's facts, and the preview's extra panels.
TEST_F(GenerateCli, OptionsWriteEveryOutputAndTheReport) {
  const fs::path image = write_image("figure.png", photo);
  const CliRun run = generate(image, "two_people",
                              "--types lower_body --options "
                              "'{\"dilate_px\": 5, \"feather_px\": 4, \"outputs\": [\"agnostic\", \"cutout\"]}'");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path out = dir / "out";
  const cv::Mat mask = cv::imread((out / "lower_body_mask.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat agnostic = cv::imread((out / "lower_body_agnostic.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat cutout = cv::imread((out / "lower_body_cutout.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(agnostic.type(), CV_8UC3);
  ASSERT_EQ(cutout.type(), CV_8UC4);
  ASSERT_TRUE(fs::exists(out / "lower_body_mask_soft.png"));
  // Outside the mask the agnostic image is the photo (768 x 1024 already, so unchanged by the person image step).
  cv::Mat differs;
  cv::compare(agnostic, photo, differs, cv::CMP_NE);
  cv::Mat differs_any;
  cv::cvtColor(differs, differs_any, cv::COLOR_BGR2GRAY);
  EXPECT_EQ(cv::countNonZero(differs_any & ~mask), 0);
  EXPECT_GT(cv::countNonZero(differs_any & mask), 0);
  std::ifstream in(out / "mask_info.json");
  const auto info = nlohmann::json::parse(in);
  EXPECT_EQ(info["person_count"], 2);
  EXPECT_GT(info["keypoint_confidence"].get<double>(), 0.0);
  EXPECT_EQ(info["warnings"][0], "several people (2): the one with the most body parts was used");
  const CliRun preview = mc::test_support::run_command(std::string(MC_CLI_PATH) + " preview --image " + image.string() +
                                                       " --masks " + out.string() + " --out " +
                                                       (dir / "preview.png").string() + " --show soft,agnostic");
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  EXPECT_EQ(cv::imread((dir / "preview.png").string()).cols, 3 * 384) << "the mask, its soft mask and agnostic image";
}

TEST_F(GenerateCli, NoPersonIsAClearError) {
  expect_error(generate(write_image("figure.png", photo), "no_person"), 1, "no person detected");
}

TEST_F(GenerateCli, BadImagesAreRefusedWithTheirProblem) {
  std::vector<std::uint8_t> png;
  cv::imencode(".png", photo, png);
  const std::string png_bytes(png.begin(), png.end());
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", photo, jpeg);
  const std::string jpeg_bytes(jpeg.begin(), jpeg.end());
  std::string zero_size = png_bytes;
  zero_size.replace(16, 8, std::string(8, '\0'));  // IHDR width and height

  expect_error(generate(dir / "absent.png"), 1, "absent.png: no such file");
  expect_error(generate(write_bytes("empty.jpg", "")), 1, "empty.jpg: image is empty (0 bytes)");
  expect_error(generate(write_bytes("notes.txt", "hello, not an image")), 1,
               "notes.txt: not a supported image (expected JPEG, PNG, WebP or BMP)");
  expect_error(generate(write_bytes("cut.png", png_bytes.substr(0, png_bytes.size() / 2))), 1,
               "cut.png: corrupt or truncated PNG image (no IEND chunk)");
  expect_error(generate(write_bytes("cut.jpg", jpeg_bytes.substr(0, jpeg_bytes.size() / 2))), 1,
               "cut.jpg: corrupt or truncated JPEG image (no end-of-image marker)");
  expect_error(generate(write_bytes("zero.png", zero_size)), 1, "zero.png: PNG image has zero size (0 x 0)");
  expect_error(generate(write_image("big.png", photo), "one_person", "--max-pixels 500000"), 1,
               "big.png: image is too large: 768 x 1024 = 0.8 MP, over the limit of 0.5 MP");
  std::string garbled = png_bytes;
  for (std::size_t i = 100; i < garbled.size() - 100; i += 7) garbled[i] = static_cast<char>(garbled[i] ^ 0x5A);
  expect_error(generate(write_bytes("garbled.png", garbled)), 1, "garbled.png: corrupt PNG image");
}

TEST_F(GenerateCli, MissingCheckpointsStopStartUpNamingThePath) {
  const fs::path empty = dir / "checkpoints";
  fs::create_directories(empty);
  const CliRun run = mc::test_support::run_command(
      std::string(MC_CLI_PATH) + " generate --image " + write_image("figure.png", photo).string() +
      " --gender F --checkpoints " + empty.string() + " --out " + (dir / "out").string());
  expect_error(run, 2, (empty / "humanparsing" / "parsing_atr.onnx").string() + " (missing)");
  EXPECT_NE(run.output.find((empty / "openpose" / "ckpts" / "body_pose_model.pth").string() + " (missing)"),
            std::string::npos)
      << run.output;
}

TEST_F(GenerateCli, APthWithoutItsOnnxNamesTheConversionCommand) {
  const fs::path root = dir / "checkpoints";
  fs::create_directories(root / "humanparsing");
  fs::create_directories(root / "openpose" / "ckpts");
  fs::copy_file(kModels / "one_person" / "humanparsing" / "parsing_atr.onnx",
                root / "humanparsing" / "parsing_atr.onnx");
  fs::copy_file(kModels / "one_person" / "humanparsing" / "parsing_lip.onnx",
                root / "humanparsing" / "parsing_lip.onnx");
  write_bytes("checkpoints/openpose/ckpts/body_pose_model.pth", "weights");
  const fs::path pose = root / "openpose" / "ckpts";
  expect_error(generate(write_image("figure.png", photo), "", "--checkpoints " + root.string()), 2,
               "convert it once with: python3 tools/convert_openpose.py " + (pose / "body_pose_model.pth").string() +
                   " " + (pose / "body_pose_model.onnx").string());
}

TEST_F(GenerateCli, UnreadableCheckpointIsASetupError) {
  const fs::path root = dir / "checkpoints";
  fs::copy(kModels / "one_person", root, fs::copy_options::recursive);
  write_bytes("checkpoints/humanparsing/parsing_lip.onnx", "this is not a model");
  expect_error(generate(write_image("figure.png", photo), "", "--checkpoints " + root.string()), 2,
               (root / "humanparsing" / "parsing_lip.onnx").string() + ": not");
}

TEST_F(GenerateCli, BadVariablesAreASetupErrorNamingEach) {
  const std::string command = std::string("env GPU_ID=abc ORT_INTER_OP_THREADS=0 ") + MC_CLI_PATH +
                              " generate --image " + write_image("figure.png", photo).string() + " --gender M --out " +
                              (dir / "out").string();
  const CliRun run = mc::test_support::run_command(command);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("GPU_ID must be a whole number from -1 to 64 (got \"abc\")"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("ORT_INTER_OP_THREADS"), std::string::npos) << run.output;
}

}  // namespace

namespace {

// Without the CUDA execution provider (or with it but without CUDA's own
// libraries or a GPU), GPU_ID falls back to the CPU with one warning.
TEST_F(GenerateCli, AskingForAGpuWithoutCudaWarnsOnceAndUsesTheCpu) {
  const CliRun run = generate(write_image("figure.png", photo), "one_person", "--gpu-id 0");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string warning = "GPU_ID=0 asks for CUDA, but ONNX Runtime's CUDA execution provider cannot be used (";
  const auto first = run.output.find(warning);
#ifdef MC_ORT_CUDA_PROVIDER_INSTALLED
  if (first == std::string::npos) GTEST_SKIP() << "the CUDA execution provider loaded: this machine has CUDA";
#endif
  ASSERT_NE(first, std::string::npos) << run.output;
  EXPECT_EQ(run.output.find(warning, first + 1), std::string::npos) << "one warning, not one per network";
  EXPECT_TRUE(fs::exists(dir / "out" / "dress_mask.png"));
}

// The kernel's CPU flags, read here as an operator would (grep /proc/cpuinfo).
bool cpu_has_bf16() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) == 0) {
      return line.find(" amx_bf16") != std::string::npos || line.find(" avx512_bf16") != std::string::npos;
    }
  }
  return false;
}

// INFERENCE_PRECISION=bf16: OpenVINO runs the three networks in bf16 where
// the CPU has AMX-BF16 or AVX512-BF16 and the log names it; the figure comes
// back as in fp32 (the masks within the same bounds). Elsewhere one warning, and fp32.
TEST_F(GenerateCli, Bf16RunsThroughOpenVinoWhereTheCpuHasIt) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "OpenVINO's TBB dlopens libtbbbind with RTLD_DEEPBIND, which ASan refuses (google/sanitizers#611): "
                  "the release build runs this test";
#endif
  const fs::path image = write_image("figure.png", photo);
  const CliRun run = mc::test_support::run_command(
      "env INFERENCE_PRECISION=bf16 GPU_ID=-1 " + std::string(MC_CLI_PATH) + " generate --image " + image.string() +
      " --gender M --checkpoints " + (kModels / "one_person").string() + " --out " + (dir / "out").string() +
      " --dump-parse --dump-keypoints");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string selected =
      "INFERENCE_PRECISION=bf16: the networks run in bf16 through OpenVINO 2026.4.1 on the "
      "CPU's ";
#ifdef MC_TEST_HAVE_OPENVINO
  if (cpu_has_bf16()) {
    EXPECT_NE(run.output.find(selected), std::string::npos) << run.output;
  } else {
    EXPECT_NE(run.output.find("needs a CPU with AMX-BF16 or AVX512-BF16, and this one has neither; running fp32"),
              std::string::npos)
        << run.output;
  }
#else
  EXPECT_NE(run.output.find("this build has no OpenVINO"), std::string::npos) << run.output;
#endif
  expect_figure_recovered();
}

}  // namespace

// adapters/png_codec: every PNG the program writes (masks, parse maps,
// previews, cached analyses) and its PNG reader, checked against OpenCV's
// codecs (a second implementation) and Pillow's default save (the seed's).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

#include <opencv2/imgcodecs.hpp>

#include "adapters/png_codec.hpp"
#include "core/errors.hpp"
#include "support/cli_run.hpp"

namespace {

namespace fs = std::filesystem;
using mc::adapters::decode_png;
using mc::adapters::encode_png;

std::string as_text(const std::vector<std::uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

// What another decoder (OpenCV's) reads from our bytes.
cv::Mat read_back(const std::vector<std::uint8_t>& png) { return cv::imdecode(png, cv::IMREAD_UNCHANGED); }

// Issue 29: our masks were ~3 x the seed's for identical pixels. Each mask of
// a golden figure, written by us and saved again by Pillow with its defaults:
// ours is no larger, and stays an 8-bit grey PNG of the same pixels.
TEST(PngEncoding, MasksAreNoLargerThanPillowsDefaultSaveOfTheSamePixels) {
  const fs::path folder = fs::temp_directory_path() / ("mc_png_codec_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  int masks = 0;
  for (const char* name : {"baggy_lower_mask", "lower_body_mask", "dress_mask", "upper_body_mask", "parse"}) {
    const fs::path golden = fs::path(MC_GOLDEN_DIR) / "male_pants" / (std::string(name) + ".png");
    const cv::Mat mask = cv::imread(golden.string(), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(mask.type(), CV_8UC1) << golden;
    const std::vector<std::uint8_t> ours = encode_png(mask);
    const cv::Mat again = read_back(ours);
    ASSERT_EQ(again.type(), CV_8UC1) << name;
    EXPECT_EQ(cv::norm(again, mask, cv::NORM_INF), 0.0) << name;
    ASSERT_GT(ours.size(), 26U);
    EXPECT_EQ(ours[24], 8) << name << ": bit depth";
    EXPECT_EQ(ours[25], 0) << name << ": colour type grey";
    const fs::path ours_path = folder / (std::string(name) + ".png");
    const fs::path pillow_path = folder / (std::string(name) + ".pillow.png");
    std::ofstream(ours_path, std::ios::binary) << as_text(ours);
    const auto run = mc::test_support::run_command(std::string(MC_PYTHON3) +
                                                   " -c \"import sys; from PIL import Image; "
                                                   "Image.open(sys.argv[1]).save(sys.argv[2])\" " +
                                                   ours_path.string() + " " + pillow_path.string() + " 2>&1");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    const auto pillow = fs::file_size(pillow_path);
    EXPECT_LE(ours.size(), pillow) << name << ": ours " << ours.size() << " bytes, Pillow's " << pillow;
    ++masks;
  }
  EXPECT_EQ(masks, 5);
  fs::remove_all(folder);
}

TEST(PngEncoding, ColourImagesKeepTheirChannelsAndPixels) {
  cv::Mat bgr(31, 17, CV_8UC3);
  cv::randu(bgr, 0, 255);
  EXPECT_EQ(cv::norm(read_back(encode_png(bgr)), bgr, cv::NORM_INF), 0.0);
  cv::Mat bgra(9, 40, CV_8UC4);
  cv::randu(bgra, 0, 255);
  const cv::Mat again = read_back(encode_png(bgra));
  ASSERT_EQ(again.type(), CV_8UC4);
  EXPECT_EQ(cv::norm(again, bgra, cv::NORM_INF), 0.0);
  EXPECT_THROW(encode_png(cv::Mat(4, 4, CV_16UC1, cv::Scalar(3))), std::runtime_error);
  EXPECT_THROW(encode_png(cv::Mat()), std::runtime_error);
}

TEST(PngDecoding, ReadsWhatOpenCvReadsAndRefusesDamageWithLibpngsReason) {
  cv::Mat deep(12, 10, CV_16UC3);
  cv::randu(deep, 0, 65535);
  std::vector<std::uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", deep, png));
  const cv::Mat decoded = decode_png(as_text(png), 10, 12);
  ASSERT_EQ(decoded.type(), CV_16UC3);
  EXPECT_EQ(cv::norm(decoded, deep, cv::NORM_INF), 0.0);
  try {
    decode_png(as_text(png), 10, 13);
    ADD_FAILURE() << "a size other than the header's was accepted";
  } catch (const mc::core::InputError& error) {
    EXPECT_STREQ(error.what(), "corrupt PNG image (its header gives 10 x 13, but the decoder reads 10 x 12)");
  }
  std::string damaged = as_text(png);
  damaged[damaged.size() - 20] ^= 0x55;  // inside the last IDAT: its CRC no longer matches
  try {
    decode_png(damaged, 10, 12);
    ADD_FAILURE() << "a damaged PNG was accepted";
  } catch (const mc::core::InputError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("corrupt PNG image (the decoder rejected it", 0), 0U) << error.what();
  }
  try {
    decode_png(as_text(png).substr(0, png.size() / 2), 10, 12);
    ADD_FAILURE() << "a truncated PNG was accepted";
  } catch (const mc::core::InputError& error) {
    EXPECT_NE(std::string(error.what()).find("the data ends early"), std::string::npos) << error.what();
  }
}

}  // namespace

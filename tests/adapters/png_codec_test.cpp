// adapters/png_codec: every PNG the program writes (masks, parse maps,
// previews, cached analyses) and its PNG reader, checked against OpenCV's
// codecs (a second implementation) and Pillow's default save (the seed's).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

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

// A PNG chunk: length, type, data, CRC.
std::string chunk(const std::string& type, const std::string& data) {
  std::string out;
  for (const int shift : {24, 16, 8, 0}) out += static_cast<char>((data.size() >> shift) & 0xFF);
  out += type + data;
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type.data()), static_cast<uInt>(type.size()));
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  for (const int shift : {24, 16, 8, 0}) out += static_cast<char>((crc >> shift) & 0xFF);
  return out;
}

// A text-chunk bomb: 200 zTXt chunks of 8 KB, each 7.9 MB inflated, 1.6 GB
// in all, which libpng inflates by default (about 6.6 s of CPU here; a 25 MB
// body holds 3,000 such chunks). They are skipped unread: the pixels decode, in a child process
// whose CPU time is its own, within a second of CPU (a resource bound, as
// a memory bound is).
TEST(PngDecoding, TextChunksAreSkippedUnreadNotInflated) {
  const cv::Mat grey(4, 4, CV_8UC1, cv::Scalar(77));
  std::vector<std::uint8_t> plain;
  ASSERT_TRUE(cv::imencode(".png", grey, plain));
  const std::string zeros(7'900'000, '\0');
  std::vector<Bytef> packed(compressBound(zeros.size()));
  uLongf packed_size = packed.size();
  ASSERT_EQ(compress2(packed.data(), &packed_size, reinterpret_cast<const Bytef*>(zeros.data()), zeros.size(), 9),
            Z_OK);
  const std::string text =
      chunk("zTXt", std::string("k\0\0", 3) +
                        std::string(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(packed_size)));
  std::string bomb = as_text(plain).substr(0, 33);  // signature and IHDR
  for (int i = 0; i < 200; ++i) bomb += text;
  bomb += as_text(plain).substr(33);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      const cv::Mat decoded = decode_png(bomb, 4, 4);
      ::_exit(cv::norm(decoded, grey, cv::NORM_INF) == 0.0 ? 0 : 3);
    } catch (...) {
      ::_exit(2);
    }
  }
  int status = 0;
  rusage used{};
  ASSERT_EQ(::wait4(child, &status, 0, &used), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: the decoder failed; 3: other pixels";
  const double cpu_seconds = static_cast<double>(used.ru_utime.tv_sec + used.ru_stime.tv_sec) +
                             static_cast<double>(used.ru_utime.tv_usec + used.ru_stime.tv_usec) / 1e6;
  std::cout << "CPU for a PNG with 1.6 GB of compressed text: " << cpu_seconds << " s\n";
  EXPECT_LT(cpu_seconds, 1.0);
}

}  // namespace

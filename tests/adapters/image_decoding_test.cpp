// docs/algorithm.md section 1 step 1: image bytes to 8-bit BGR, and the header checks that
// refuse bad images before any decoding.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "adapters/image_decoding.hpp"
#include "core/errors.hpp"
#include "core/image_header.hpp"
#include "support/cli_run.hpp"

namespace {

using mc::adapters::decode_image;
using mc::core::ImageFormat;
using mc::core::inspect_image;

std::string encode(const std::string& extension, const cv::Mat& image, const std::vector<int>& params = {}) {
  std::vector<std::uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes, params));
  return {bytes.begin(), bytes.end()};
}

std::string error_of(const std::string& bytes, std::uint64_t max_pixels = 40'000'000) {
  try {
    decode_image(bytes, max_pixels);
  } catch (const mc::core::InputError& error) {
    return error.what();
  }
  return "no error";
}

// A JPEG with an EXIF APP1 segment whose only entry is Orientation = `orientation`.
std::string jpeg_with_orientation(const cv::Mat& image, std::uint8_t orientation) {
  const std::string jpeg = encode(".jpg", image, {cv::IMWRITE_JPEG_QUALITY, 100});
  const std::string tiff = std::string("MM\0\x2a\0\0\0\x08", 8) + std::string("\0\x01", 2) +  // one entry
                           std::string("\x01\x12\0\x03\0\0\0\x01", 8) +                       // 0x0112 SHORT x1
                           std::string("\0", 1) + static_cast<char>(orientation) + std::string("\0\0", 2) +
                           std::string("\0\0\0\0", 4);  // no next IFD
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const auto length = static_cast<std::uint16_t>(payload.size() + 2);
  const std::string app1 =
      std::string("\xFF\xE1", 2) + static_cast<char>(length >> 8) + static_cast<char>(length & 0xFF) + payload;
  return jpeg.substr(0, 2) + app1 + jpeg.substr(2);
}

TEST(ImageHeader, ReadsFormatAndSizeOfEachFormat) {
  const cv::Mat image(30, 40, CV_8UC3, cv::Scalar(10, 20, 30));
  const std::vector<std::pair<std::string, ImageFormat>> cases = {{".jpg", ImageFormat::kJpeg},
                                                                  {".png", ImageFormat::kPng},
                                                                  {".webp", ImageFormat::kWebp},
                                                                  {".bmp", ImageFormat::kBmp}};
  for (const auto& [extension, format] : cases) {
    const auto header = inspect_image(encode(extension, image), 1000000);
    EXPECT_EQ(header.format, format) << extension;
    EXPECT_EQ(header.width, 40) << extension;
    EXPECT_EQ(header.height, 30) << extension;
  }
  const auto lossless = inspect_image(encode(".webp", image, {cv::IMWRITE_WEBP_QUALITY, 101}), 1000000);
  EXPECT_EQ(lossless.width, 40);
  EXPECT_EQ(lossless.height, 30);
}

TEST(ImageDecoding, RefusesBadImagesNamingTheProblem) {
  cv::Mat image(30, 40, CV_8UC3);
  cv::randu(image, 0, 255);  // noise: every format needs a few hundred bytes
  const std::string png = encode(".png", image);
  const std::string jpeg = encode(".jpg", image);
  const std::string webp = encode(".webp", image);
  const std::string bmp = encode(".bmp", image);
  EXPECT_EQ(error_of(""), "image is empty (0 bytes)");
  EXPECT_EQ(error_of("GIF89a......"), "not a supported image (expected JPEG, PNG, WebP or BMP)");
  EXPECT_EQ(error_of(png.substr(0, png.size() - 20)), "corrupt or truncated PNG image (no IEND chunk)");
  EXPECT_EQ(error_of(jpeg.substr(0, jpeg.size() - 30)), "corrupt or truncated JPEG image (no end-of-image marker)");
  EXPECT_EQ(error_of(webp.substr(0, webp.size() - 10)), "corrupt or truncated WebP image (shorter than its RIFF size)");
  std::string wrapping = webp;  // a RIFF size that wraps around in 32 bits
  wrapping.replace(4, 4, std::string(4, '\xFF'));
  EXPECT_EQ(error_of(wrapping), "corrupt or truncated WebP image (shorter than its RIFF size)");
  EXPECT_EQ(error_of(bmp.substr(0, bmp.size() - 10)),
            "corrupt or truncated BMP image (shorter than its declared size)");
  EXPECT_EQ(error_of(png, 1000), "image is too large: 40 x 30 = 0.0 MP, over the limit of 0.0 MP");
  std::string zero = png;
  zero.replace(16, 4, std::string(4, '\0'));
  EXPECT_EQ(error_of(zero), "PNG image has zero size (0 x 30)");
  std::string garbled = jpeg;
  for (std::size_t i = 0; i < garbled.size() - 2; ++i) {
    if (i > 20 && static_cast<std::uint8_t>(garbled[i]) == 0xFF) garbled[i] = 0x00;  // no markers after the SOI
  }
  EXPECT_NE(error_of(garbled), "no error");
}

// Each scan of a progressive JPEG, even an empty one, costs libjpeg a walk
// over every block: thousands of them in a small file would hold the decode
// slot for minutes. A real progressive file (about 10 scans) still decodes.
TEST(ImageDecoding, AJpegWithThousandsOfScansIsRefusedBeforeDecoding) {
  cv::Mat image(48, 64, CV_8UC3);
  cv::randu(image, 0, 255);
  const std::string progressive = encode(".jpg", image, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  EXPECT_EQ(decode_image(progressive).size(), image.size());
  const std::string empty_scan("\xFF\xDA\x00\x08\x01\x01\x00\x01\x05\x02", 10);
  std::string scans;
  for (int i = 0; i < 2000; ++i) scans += empty_scan;
  const std::string crafted = progressive.substr(0, progressive.size() - 2) + scans + "\xFF\xD9";
  const std::string error = error_of(crafted);
  EXPECT_EQ(error.rfind("corrupt JPEG image (it has 20", 0), 0U) << error;
  EXPECT_NE(error.find("scans, more than the 256 any encoder writes"), std::string::npos) << error;
}

TEST(ImageDecoding, GreyBecomesThreeEqualChannels) {
  const cv::Mat grey(20, 10, CV_8UC1, cv::Scalar(77));
  for (const char* extension : {".png", ".jpg", ".bmp"}) {
    const cv::Mat decoded = decode_image(encode(extension, grey));
    ASSERT_EQ(decoded.type(), CV_8UC3) << extension;
    const cv::Vec3b pixel = decoded.at<cv::Vec3b>(5, 5);
    EXPECT_EQ(pixel[0], pixel[1]) << extension;
    EXPECT_EQ(pixel[1], pixel[2]) << extension;
    EXPECT_NEAR(pixel[0], 77, 2) << extension;
  }
}

TEST(ImageDecoding, AlphaIsCompositedOverWhite) {
  cv::Mat bgra(10, 10, CV_8UC4, cv::Scalar(0, 0, 200, 0));        // fully transparent red
  bgra(cv::Rect(0, 0, 5, 10)).setTo(cv::Scalar(0, 0, 200, 255));  // opaque on the left
  bgra(cv::Rect(5, 0, 1, 10)).setTo(cv::Scalar(0, 0, 200, 128));  // half
  for (const auto& bytes : {encode(".png", bgra), encode(".webp", bgra, {cv::IMWRITE_WEBP_QUALITY, 101})}) {
    const cv::Mat decoded = decode_image(bytes);
    ASSERT_EQ(decoded.type(), CV_8UC3);
    EXPECT_EQ(decoded.at<cv::Vec3b>(2, 2), cv::Vec3b(0, 0, 200));
    EXPECT_EQ(decoded.at<cv::Vec3b>(2, 8), cv::Vec3b(255, 255, 255));
    const cv::Vec3b half = decoded.at<cv::Vec3b>(2, 5);
    EXPECT_NEAR(half[0], 127, 2);
    EXPECT_NEAR(half[2], 227, 2);
  }
}

// The 8-bit compositing equals c * a/255 + 255 * (1 - a/255) rounded to
// nearest, for every colour and alpha.
TEST(ImageDecoding, EightBitCompositingEqualsTheExactFormulaForEveryPair) {
  cv::Mat bgra(256, 256, CV_8UC4);
  for (int colour = 0; colour < 256; ++colour) {
    for (int alpha = 0; alpha < 256; ++alpha) {
      const auto c = static_cast<std::uint8_t>(colour);
      const auto a = static_cast<std::uint8_t>(alpha);
      bgra.at<cv::Vec4b>(colour, alpha) = cv::Vec4b(c, static_cast<std::uint8_t>(255 - colour), c, a);
    }
  }
  const cv::Mat composited = decode_image(encode(".png", bgra));
  auto exact = [](int colour, int alpha) {
    return static_cast<int>(std::lround(colour * alpha / 255.0 + 255.0 * (1.0 - alpha / 255.0)));
  };
  for (int colour = 0; colour < 256; ++colour) {
    for (int alpha = 0; alpha < 256; ++alpha) {
      const cv::Vec3b pixel = composited.at<cv::Vec3b>(colour, alpha);
      ASSERT_EQ(pixel[0], exact(colour, alpha)) << colour << " " << alpha;
      ASSERT_EQ(pixel[1], exact(255 - colour, alpha)) << colour << " " << alpha;
    }
  }
}

TEST(ImageDecoding, SixteenBitPngBecomesEightBit) {
  const cv::Mat deep(8, 8, CV_16UC3, cv::Scalar(65535, 256 * 100 + 255, 255));
  const cv::Mat decoded = decode_image(encode(".png", deep));
  ASSERT_EQ(decoded.type(), CV_8UC3);
  EXPECT_EQ(decoded.at<cv::Vec3b>(3, 3), cv::Vec3b(255, 100, 0)) << "the high byte, as Pillow";
}

TEST(ImageDecoding, AppliesJpegExifOrientation) {
  cv::Mat image(40, 60, CV_8UC3, cv::Scalar(255, 255, 255));
  image(cv::Rect(0, 0, 20, 20)).setTo(cv::Scalar(0, 0, 0));  // dark top-left corner
  const cv::Mat upright = decode_image(jpeg_with_orientation(image, 1));
  EXPECT_EQ(upright.size(), cv::Size(60, 40));
  // Orientation 6: the stored picture is rotated 90 degrees clockwise for display.
  const cv::Mat rotated = decode_image(jpeg_with_orientation(image, 6));
  ASSERT_EQ(rotated.size(), cv::Size(40, 60));
  EXPECT_LT(rotated.at<cv::Vec3b>(5, 34)[0], 60) << "the dark corner is now top-right";
  EXPECT_GT(rotated.at<cv::Vec3b>(5, 5)[0], 200);
}

// Issue 16: the marker walk read FF 00 as a marker with a length, so a
// JPEG could show one frame size to the header check and another to libjpeg
// (an 8 x 6 frame that decoded as 12000 x 12000). libjpeg skips FF 00 and
// any other bytes between markers; so does the walk now.
TEST(ImageHeader, JpegMarkersAreWalkedAsLibjpegWalksThem) {
  cv::Mat image(48, 64, CV_8UC3);
  cv::randu(image, 0, 255);
  const std::string jpeg = encode(".jpg", image);
  const std::string body = jpeg.substr(2);  // after the SOI, up to and with the EOI
  ASSERT_LT(body.size(), 60000U);
  const std::size_t length = body.size() + 2;
  // FF 00 and two bytes the old walk took for a segment length that jumps
  // over the real image to a forged 8 x 6 frame header after its end.
  const std::string trick = jpeg.substr(0, 2) + std::string("\xFF\x00", 2) + static_cast<char>(length >> 8) +
                            static_cast<char>(length & 0xFF) + body +
                            std::string(
                                "\xFF\xC0\x00\x11\x08\x00\x06\x00\x08\x03\x01\x11\x00\x02\x11\x01\x03\x11\x01"
                                "\xFF\xD9",
                                21);
  ASSERT_NE(static_cast<std::uint8_t>(trick[4]), 0xFF);
  ASSERT_NE(static_cast<std::uint8_t>(trick[5]), 0xFF);
  const auto header = inspect_image(trick, 1'000'000);
  EXPECT_EQ(header.width, 64);
  EXPECT_EQ(header.height, 48);
  EXPECT_EQ(error_of(trick, 3000), "image is too large: 64 x 48 = 0.0 MP, over the limit of 0.0 MP");
  EXPECT_EQ(decode_image(trick).size(), cv::Size(64, 48));
  // Stray bytes between two segments are skipped by libjpeg as well.
  const std::size_t app0_end =
      4 + (std::size_t{static_cast<std::uint8_t>(jpeg[4])} << 8 | static_cast<std::uint8_t>(jpeg[5]));
  const std::string stray = jpeg.substr(0, app0_end) + std::string("\x12\x34\xFF\x00\x56", 5) + jpeg.substr(app0_end);
  EXPECT_EQ(inspect_image(stray, 1'000'000).width, 64);
}

TEST(ImageDecoding, AJpegWhoseHeadersLibjpegRefusesIsCorrupt) {
  const std::string jpeg = encode(".jpg", cv::Mat(30, 40, CV_8UC3, cv::Scalar(1, 2, 3)));
  // A marker libjpeg does not know (0xFF02), with a length, before the frame.
  const std::string unknown = jpeg.substr(0, 2) + std::string("\xFF\x02\x00\x04\x00\x00", 6) + jpeg.substr(2);
  EXPECT_EQ(inspect_image(unknown, 1'000'000).width, 40) << "the walk itself skips it";
  EXPECT_EQ(error_of(unknown), "corrupt JPEG image (the decoder rejected its headers)");
}

// BMP through stb_image: rows stored top-down (a negative height) read as
// the same picture; a 32-bit BMP's fourth channel is dropped; run-length
// encoding is refused, saying so.
TEST(ImageDecoding, BmpVariantsAndRunLengthEncodingRefused) {
  cv::Mat image(5, 7, CV_8UC3);
  cv::randu(image, 0, 255);
  const std::string bottom_up = encode(".bmp", image);
  ASSERT_EQ(bottom_up.size(), 54U + 5 * 24);  // 7 x 3 bytes a row, padded to 24
  std::string top_down = bottom_up.substr(0, 54);
  top_down.replace(22, 4, std::string("\xFB\xFF\xFF\xFF", 4));  // height -5
  for (int row = 4; row >= 0; --row) top_down += bottom_up.substr(54 + static_cast<std::size_t>(row) * 24, 24);
  EXPECT_EQ(cv::norm(decode_image(bottom_up), image, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(decode_image(top_down), image, cv::NORM_INF), 0.0);
  cv::Mat bgra;
  cv::cvtColor(image, bgra, cv::COLOR_BGR2BGRA);
  bgra.col(2).setTo(cv::Scalar(1, 2, 3, 0));
  cv::Mat expected = image.clone();
  expected.col(2).setTo(cv::Scalar(1, 2, 3));
  EXPECT_EQ(cv::norm(decode_image(encode(".bmp", bgra)), expected, cv::NORM_INF), 0.0) << "alpha dropped";
  std::string rle = encode(".bmp", cv::Mat(2, 4, CV_8UC1, cv::Scalar(9)));  // 8 bits, grey palette
  rle[30] = 1;                                                              // BI_RLE8
  EXPECT_EQ(error_of(rle),
            "unsupported BMP image (run-length encoded, RLE8; send JPEG, PNG, WebP or an uncompressed BMP)");
}

// A BMP whose rows are not all in the file (readers fill them with zeros:
// 36 megapixels from 62 bytes), or whose pixels name colours beyond its
// palette (the reader would look them up in memory never written), is refused.
TEST(ImageDecoding, ABmpMissingRowsOrNamingColoursBeyondItsPaletteIsRefused) {
  std::string huge = encode(".bmp", cv::Mat(2, 4, CV_8UC1, cv::Scalar(9)));  // 8 bits, 256 greys
  huge.replace(18, 8, std::string("\x70\x17\0\0\x70\x17\0\0", 8));           // 6000 x 6000
  EXPECT_EQ(error_of(huge), "corrupt or truncated BMP image (pixel rows missing)");

  std::string one_colour = encode(".bmp", cv::Mat(2, 4, CV_8UC1, cv::Scalar(0))).substr(0, 58);  // one palette entry
  one_colour += std::string("\0\0\0\0\0\0\0\0", 8);                                              // two rows of index 0
  one_colour.replace(10, 4, std::string("\x3A\0\0\0", 4));                                       // pixels at 58
  one_colour.replace(2, 4, std::string("\x42\0\0\0", 4));                                        // 66 bytes
  one_colour.replace(46, 4, std::string("\x01\0\0\0", 4));                                       // biClrUsed 1
  ASSERT_EQ(one_colour.size(), 66U);
  EXPECT_EQ(cv::norm(decode_image(one_colour), cv::Mat(2, 4, CV_8UC3, cv::Scalar(0)), cv::NORM_INF), 0.0);
  one_colour[63] = 1;
  EXPECT_EQ(error_of(one_colour), "corrupt BMP image (a pixel names colour 1 of a 1-colour palette)");
}

// The same image as Pillow shows it: tests/adapters/pillow_images.py, run with
// Debian's python3-pil.
class PillowImages : public ::testing::Test {
 protected:
  PillowImages()
      : folder_(std::filesystem::temp_directory_path() /
                ("mc_pillow_images_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::create_directories(folder_);
  }
  ~PillowImages() override {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }

  void make() {
    const auto run = mc::test_support::run_command(std::string(MC_PYTHON3) + " " + MC_PILLOW_SCRIPT + " make " +
                                                   folder_.string() + " 2>&1");
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  std::string path(const std::string& name) const { return (folder_ / name).string(); }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  // Pillow's pixels (BGR, as decode_image gives them).
  cv::Mat pillow(const std::string& name) const {
    const auto run = mc::test_support::run_command(std::string(MC_PYTHON3) + " " + MC_PILLOW_SCRIPT + " decode " +
                                                   path(name) + " " + path(name + ".pillow.png") + " 2>&1");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return cv::imread(path(name + ".pillow.png"), cv::IMREAD_COLOR);
  }
  // The largest difference of one channel between ours and Pillow's, or -1
  // when the sizes differ.
  double difference(const std::string& name) const {
    const cv::Mat ours = decode_image(read(name));
    const cv::Mat theirs = pillow(name);
    if (ours.size() != theirs.size()) {
      ADD_FAILURE() << name << ": " << ours.size() << " here, " << theirs.size() << " in Pillow";
      return -1;
    }
    return cv::norm(ours, theirs, cv::NORM_INF);
  }

 private:
  std::filesystem::path folder_;
};

// Animated WebP was refused as corrupt (OpenCV 4.6 does not read it).
TEST_F(PillowImages, AnimatedWebpAndPngGiveTheirFirstFrame) {
  make();
  for (const char* name : {"animated_alpha.webp", "animated.webp", "animated.png"}) {
    EXPECT_EQ(difference(name), 0.0) << name;
    const cv::Mat first = decode_image(read(name));
    EXPECT_LE(cv::norm(first.at<cv::Vec3b>(10, 2), cv::Vec3b(90, 250, 0), cv::NORM_INF), 8)
        << name << ": the first frame's band";  // animated.webp is lossy
  }
}

TEST_F(PillowImages, SixteenBitPngAndAlphaMatchPillow) {
  cv::Mat deep(20, 30, CV_16UC3);
  cv::randu(deep, 0, 65535);
  write("rgb16.png", encode(".png", deep));
  EXPECT_EQ(difference("rgb16.png"), 0.0);
  cv::Mat deep_alpha(20, 30, CV_16UC4);
  cv::randu(deep_alpha, 0, 65535);
  write("rgba16.png", encode(".png", deep_alpha));
  EXPECT_EQ(difference("rgba16.png"), 0.0);
  cv::Mat alpha(20, 30, CV_8UC4);
  cv::randu(alpha, 0, 255);
  write("rgba.png", encode(".png", alpha));
  EXPECT_EQ(difference("rgba.png"), 0.0);
  write("rgba_lossless.webp", encode(".webp", alpha, {cv::IMWRITE_WEBP_QUALITY, 101}));
  EXPECT_EQ(difference("rgba_lossless.webp"), 0.0);
}

TEST_F(PillowImages, JpegExifOrientationMatchesPillow) {
  cv::Mat image(40, 60, CV_8UC3);
  cv::randu(image, 0, 255);
  cv::GaussianBlur(image, image, cv::Size(5, 5), 0);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    const std::string name = "exif" + std::to_string(orientation) + ".jpg";
    write(name, jpeg_with_orientation(image, static_cast<std::uint8_t>(orientation)));
    EXPECT_EQ(difference(name), 0.0) << "orientation " << orientation;
  }
}

// OpenCV converts CMYK with its own integer formula, Pillow with
// (255 - C)(255 - K) / 255: the same colours within a few levels.
TEST_F(PillowImages, CmykJpegMatchesPillowWithinRounding) {
  make();
  const double difference_to_pillow = difference("cmyk.jpg");
  EXPECT_GE(difference_to_pillow, 0.0);
  EXPECT_LE(difference_to_pillow, 3.0);
  std::cout << "CMYK JPEG: largest difference to Pillow " << difference_to_pillow << '\n';
}

}  // namespace

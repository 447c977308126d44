// docs/algorithm.md section 1 steps 2-3: the 3:4 centre crop and the 768 x 1024 person image.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/person_image.hpp"

namespace {

using mc::core::to_person_image;

constexpr std::uint64_t kLimit = 40'000'000;  // MAX_IMAGE_PIXELS' default

std::string error_of(const cv::Mat& image, std::uint64_t limit = kLimit) {
  try {
    to_person_image(image, limit);
  } catch (const mc::core::InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(PersonImage, WideImagesKeepTheirCentre) {
  cv::Mat wide(1024, 1200, CV_8UC3, cv::Scalar(0, 0, 255));
  wide(cv::Rect(216, 0, 768, 1024)).setTo(cv::Scalar(0, 255, 0));  // the centred 3:4 box
  const cv::Mat person = to_person_image(wide, kLimit);
  ASSERT_EQ(person.size(), cv::Size(768, 1024));
  EXPECT_EQ(cv::countNonZero(person.reshape(1).col(2)), 0) << "red columns were cropped away";
  EXPECT_EQ(person.at<cv::Vec3b>(500, 0), cv::Vec3b(0, 255, 0));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 767), cv::Vec3b(0, 255, 0));
}

TEST(PersonImage, NarrowImagesGetBlackColumns) {
  const cv::Mat narrow(1024, 568, CV_8UC3, cv::Scalar(200, 200, 200));
  const cv::Mat person = to_person_image(narrow, kLimit);
  ASSERT_EQ(person.size(), cv::Size(768, 1024));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 50), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 384), cv::Vec3b(200, 200, 200));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 717), cv::Vec3b(0, 0, 0));
}

// One column short of 3:4 (found by fuzz_image: a 3 x 6 BMP): the box's
// left edge is 0 and the one missing column is black, on the right.
TEST(PersonImage, AnImageOneColumnShortGetsOneBlackColumnOnTheRight) {
  const cv::Mat narrow(1024, 767, CV_8UC3, cv::Scalar(200, 200, 200));
  const cv::Mat person = to_person_image(narrow, kLimit);
  ASSERT_EQ(person.size(), cv::Size(768, 1024));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 0), cv::Vec3b(200, 200, 200));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 766), cv::Vec3b(200, 200, 200));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 767), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(to_person_image(cv::Mat(6, 3, CV_8UC3, cv::Scalar(9, 9, 9)), kLimit).size(), cv::Size(768, 1024));
}

TEST(PersonImage, SmallAndLargeImagesAreResized) {
  for (const cv::Size size : {cv::Size(300, 400), cv::Size(3000, 4000)}) {
    const cv::Mat image(size, CV_8UC3, cv::Scalar(10, 20, 30));
    const cv::Mat person = to_person_image(image, kLimit);
    ASSERT_EQ(person.size(), cv::Size(768, 1024)) << size;
    EXPECT_EQ(person.at<cv::Vec3b>(512, 384), cv::Vec3b(10, 20, 30)) << size;
  }
}

// Issue 16: a 1 x 65535 image (a 333-byte PNG) padded to 3:4 before the resize
// took 49151 x 65535 x 3 = 9.6 GB; such images are refused naming the sizes.
TEST(PersonImage, RefusesImagesWhosePaddedCropExceedsTheLimit) {
  EXPECT_EQ(error_of(cv::Mat(65535, 1, CV_8UC3, cv::Scalar::all(9))),
            "image is too narrow: 1 x 65535 pads to 49151 x 65535 = 3221.1 MP for the 3:4 crop, over the limit of "
            "40.0 MP");
  EXPECT_EQ(error_of(cv::Mat(20000, 1, CV_8UC3, cv::Scalar::all(9))),
            "image is too narrow: 1 x 20000 pads to 15000 x 20000 = 300.0 MP for the 3:4 crop, over the limit of "
            "40.0 MP");
  // The bound is the padded canvas against the limit: 3 x 400 pads to 300 x 400.
  const cv::Mat thin(400, 3, CV_8UC3, cv::Scalar::all(9));
  EXPECT_EQ(error_of(thin, 119'999),
            "image is too narrow: 3 x 400 pads to 300 x 400 = 0.1 MP for the 3:4 crop, "
            "over the limit of 0.1 MP");
  EXPECT_EQ(error_of(thin, 120'000), "no error");
  // Wide images are cropped in place: no canvas, whatever the limit.
  EXPECT_EQ(error_of(cv::Mat(4, 60000, CV_8UC3, cv::Scalar::all(9)), 1), "no error");
}

// The bound changes no result: a narrow image under it gives the pixels of
// the documented algorithm (pad with black, then resize).
TEST(PersonImage, ImagesUnderTheLimitKeepTheirPixels) {
  cv::Mat image(2000, 700, CV_8UC3);
  cv::randu(image, 0, 255);
  cv::Mat padded;
  cv::copyMakeBorder(image, padded, 0, 0, 400, 400, cv::BORDER_CONSTANT, cv::Scalar::all(0));  // 1500 wide
  cv::Mat expected;
  cv::resize(padded, expected, cv::Size(768, 1024), 0, 0, cv::INTER_AREA);
  const cv::Mat person = to_person_image(image, 1500 * 2000);
  ASSERT_EQ(person.size(), expected.size());
  EXPECT_EQ(cv::norm(person, expected, cv::NORM_INF), 0.0);
}

}  // namespace

// docs/algorithm.md section 1 steps 2-3: the 3:4 centre crop and the 768 x 1024 person image.
#include <gtest/gtest.h>

#include "core/person_image.hpp"

namespace {

using mc::core::to_person_image;

TEST(PersonImage, WideImagesKeepTheirCentre) {
  cv::Mat wide(1024, 1200, CV_8UC3, cv::Scalar(0, 0, 255));
  wide(cv::Rect(216, 0, 768, 1024)).setTo(cv::Scalar(0, 255, 0));  // the centred 3:4 box
  const cv::Mat person = to_person_image(wide);
  ASSERT_EQ(person.size(), cv::Size(768, 1024));
  EXPECT_EQ(cv::countNonZero(person.reshape(1).col(2)), 0) << "red columns were cropped away";
  EXPECT_EQ(person.at<cv::Vec3b>(500, 0), cv::Vec3b(0, 255, 0));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 767), cv::Vec3b(0, 255, 0));
}

TEST(PersonImage, NarrowImagesGetBlackColumns) {
  const cv::Mat narrow(1024, 568, CV_8UC3, cv::Scalar(200, 200, 200));
  const cv::Mat person = to_person_image(narrow);
  ASSERT_EQ(person.size(), cv::Size(768, 1024));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 50), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 384), cv::Vec3b(200, 200, 200));
  EXPECT_EQ(person.at<cv::Vec3b>(500, 717), cv::Vec3b(0, 0, 0));
}

TEST(PersonImage, SmallAndLargeImagesAreResized) {
  for (const cv::Size size : {cv::Size(300, 400), cv::Size(3000, 4000)}) {
    const cv::Mat image(size, CV_8UC3, cv::Scalar(10, 20, 30));
    const cv::Mat person = to_person_image(image);
    ASSERT_EQ(person.size(), cv::Size(768, 1024)) << size;
    EXPECT_EQ(person.at<cv::Vec3b>(512, 384), cv::Vec3b(10, 20, 30)) << size;
  }
}

}  // namespace

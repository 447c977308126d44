// A mask URL names the object the S3 client uploaded: both encode the ids
// with core::encode_path_segment, whatever allowed characters they hold.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "adapters/s3_client.hpp"
#include "core/ids.hpp"
#include "core/mask_request.hpp"

namespace {

mc::adapters::S3Settings settings() {
  mc::adapters::S3Settings s3;
  s3.endpoint = "minio.example:9000";
  s3.access_key = "AKIDEXAMPLE";
  s3.secret_key = "secret";
  s3.bucket = "masks";
  return s3;
}

TEST(MaskUrls, PlainIdsGiveTheSeedsUrl) {
  EXPECT_EQ(mc::core::mask_url("http://h:9000/masks", "123", "req-123-001", "dress_mask.png"),
            "http://h:9000/masks/123/req-123-001/dress_mask.png");
  EXPECT_EQ(mc::core::mask_url("https://cdn.example/m", "Anna_B.x~1", "r.1", "upper_body_mask.png"),
            "https://cdn.example/m/Anna_B.x~1/r.1/upper_body_mask.png");
}

TEST(MaskUrls, AgreeWithTheS3ObjectUrlForEveryAllowedCharacter) {
  const mc::adapters::S3Client client(settings());
  const std::string base_url = "http://minio.example:9000/masks";  // BASE_URL's default for these settings
  for (const auto& [user_id, request_id] : {std::pair<std::string, std::string>{"anna@example.com", "req+1"},
                                            {"a=b:c,d~e", "x..y"},
                                            {"user:42", "2026-01-01T00:00:00Z"},
                                            {"AZaz09-_.@+=:,~", "..."}}) {
    ASSERT_EQ(mc::core::id_problem(user_id), "") << user_id;
    ASSERT_EQ(mc::core::id_problem(request_id), "") << request_id;
    const std::string key = mc::core::mask_object_key(user_id, request_id, "dress_mask.png");
    EXPECT_EQ(mc::core::mask_url(base_url, user_id, request_id, "dress_mask.png"), client.object_url(key)) << key;
    // The presigned URL signs the same path.
    const std::string presigned = client.presigned_get_url(key, std::chrono::seconds(60));
    EXPECT_EQ(presigned.substr(0, presigned.find('?')), client.object_url(key)) << key;
  }
  EXPECT_EQ(mc::core::mask_url(base_url, "anna@example.com", "req+1", "dress_mask.png"),
            "http://minio.example:9000/masks/anna%40example.com/req%2B1/dress_mask.png");
}

}  // namespace

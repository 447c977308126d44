// mc_s3_bucket: the bucket of the local stack (scripts/services.sh, the
// demo), made with the service's own S3 client and signer: creates
// MINIO_BUCKET when missing and gives it a policy that lets anyone GET its
// objects (not list them), which the unsigned mask URLs under BASE_URL need.
//
//   MINIO_ENDPOINT=127.0.0.1:4569 MINIO_ACCESS_KEY=... MINIO_SECRET_KEY=... MINIO_BUCKET=masks mc_s3_bucket
//
// Exit 0 when done, 1 with the S3 error on stderr (never the secret).
#include <cstdlib>
#include <iostream>
#include <string>

#include "adapters/dependency_error.hpp"
#include "adapters/s3_client.hpp"

int main() {
  auto variable = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value == nullptr ? "" : value);
  };
  mc::adapters::S3Settings settings;
  settings.endpoint = variable("MINIO_ENDPOINT");
  settings.access_key = variable("MINIO_ACCESS_KEY");
  settings.secret_key = variable("MINIO_SECRET_KEY");
  settings.bucket = variable("MINIO_BUCKET");
  if (settings.endpoint.empty() || settings.access_key.empty() || settings.secret_key.empty() ||
      settings.bucket.empty()) {
    std::cerr << "mc_s3_bucket: MINIO_ENDPOINT, MINIO_ACCESS_KEY, MINIO_SECRET_KEY and MINIO_BUCKET are required\n";
    return 1;
  }
  try {
    mc::adapters::S3Client client(settings);
    const bool created = client.ensure_bucket();
    client.put_bucket_policy(client.public_read_policy());
    std::cout << "bucket " << settings.bucket << (created ? " created" : " exists")
              << ", objects readable anonymously\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "mc_s3_bucket: " << error.what() << '\n';
    return 1;
  }
}

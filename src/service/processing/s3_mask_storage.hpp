#pragma once

#include "adapters/s3_client.hpp"
#include "core/pool.hpp"
#include "service/processing/processor_ports.hpp"

namespace mc::service {

// The masks on S3, through a pool of clients (each keeps its connection
// open), made when none is idle.
class S3MaskStorage final : public MaskStorage {
 public:
  explicit S3MaskStorage(adapters::S3Settings settings);
  void put_object(const std::string& key, std::string_view bytes, const std::string& content_type) override;

 private:
  core::Pool<adapters::S3Client> clients_;
};

}  // namespace mc::service

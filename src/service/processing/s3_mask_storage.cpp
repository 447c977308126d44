#include "service/processing/s3_mask_storage.hpp"

#include <utility>

namespace mc::service {

S3MaskStorage::S3MaskStorage(adapters::S3Settings settings)
    : clients_([settings = std::move(settings)] { return std::make_unique<adapters::S3Client>(settings); }) {}

void S3MaskStorage::put_object(const std::string& key, std::string_view bytes, const std::string& content_type) {
  const auto client = clients_.acquire();
  client->put_object(key, bytes, content_type);
}

}  // namespace mc::service

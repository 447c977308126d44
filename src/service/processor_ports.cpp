#include "service/processor_ports.hpp"

#include <utility>

namespace mc::service {

namespace {

class PostgresClaim final : public RequestClaim {
 public:
  explicit PostgresClaim(adapters::PostgresStore::Claim claim) : claim_(std::move(claim)) {}

 private:
  adapters::PostgresStore::Claim claim_;
};

}  // namespace

std::optional<adapters::RequestRecord> PostgresRequestStore::find_request(const std::string& user_id,
                                                                          const std::string& request_id) {
  return store_.find_request(user_id, request_id);
}

std::unique_ptr<RequestClaim> PostgresRequestStore::try_claim_request(const std::string& user_id,
                                                                      const std::string& request_id) {
  auto claim = store_.try_claim_request(user_id, request_id);
  if (!claim) return nullptr;
  return std::make_unique<PostgresClaim>(std::move(*claim));
}

bool PostgresRequestStore::record_request_started(const adapters::RequestRecord& record) {
  return store_.record_request_started(record);
}

void PostgresRequestStore::record_request_completed(const std::string& user_id, const std::string& request_id,
                                                    const std::map<core::MaskType, std::string>& filenames) {
  store_.record_request_completed(user_id, request_id, filenames);
}

void PostgresRequestStore::record_request_failed(const std::string& user_id, const std::string& request_id,
                                                 const std::string& error) {
  store_.record_request_failed(user_id, request_id, error);
}

void PostgresRequestStore::record_request_options(const std::string& user_id, const std::string& request_id,
                                                  const nlohmann::json& options) {
  store_.record_request_options(user_id, request_id, options);
}

bool PostgresRequestStore::upsert_user_masks(const adapters::UserMasksRow& row,
                                             const adapters::MessagePosition& position) {
  return store_.upsert_user_masks(row, position);
}

S3MaskStorage::S3MaskStorage(adapters::S3Settings settings)
    : clients_([settings = std::move(settings)] { return std::make_unique<adapters::S3Client>(settings); }) {}

void S3MaskStorage::put_object(const std::string& key, std::string_view bytes, const std::string& content_type) {
  const auto client = clients_.acquire();
  client->put_object(key, bytes, content_type);
}

std::string HttpImageSource::fetch(const std::string& url, const std::function<bool()>& cancelled) {
  return adapters::fetch_image(url, settings_, cancelled);
}

inference::HumanAnalysis PooledAnalyzer::analyze(const cv::Mat& person) {
  auto lease = pool_.acquire();
  return lease->analyze(person);
}

}  // namespace mc::service

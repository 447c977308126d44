#include "service/processing/postgres_request_store.hpp"

#include <utility>

namespace mc::service {

namespace {

class PostgresClaim final : public RequestClaim {
 public:
  explicit PostgresClaim(adapters::PostgresClaims::Claim claim) : claim_(std::move(claim)) {}

 private:
  adapters::PostgresClaims::Claim claim_;
};

}  // namespace

std::optional<core::RequestRecord> PostgresRequestStore::find_request(const std::string& user_id,
                                                                      const std::string& request_id) {
  return store_.requests().find(user_id, request_id);
}

std::unique_ptr<RequestClaim> PostgresRequestStore::try_claim_request(const std::string& user_id,
                                                                      const std::string& request_id) {
  auto claim = store_.claims().try_claim(user_id, request_id);
  if (!claim) return nullptr;
  return std::make_unique<PostgresClaim>(std::move(*claim));
}

bool PostgresRequestStore::record_request_started(const core::RequestRecord& record) {
  return store_.requests().started(record);
}

void PostgresRequestStore::record_request_completed(const std::string& user_id, const std::string& request_id,
                                                    const std::map<core::MaskType, std::string>& filenames) {
  store_.requests().completed(user_id, request_id, filenames);
}

void PostgresRequestStore::record_request_failed(const std::string& user_id, const std::string& request_id,
                                                 const std::string& error) {
  store_.requests().failed(user_id, request_id, error);
}

void PostgresRequestStore::record_request_options(const std::string& user_id, const std::string& request_id,
                                                  const nlohmann::json& options) {
  store_.requests().options(user_id, request_id, options);
}

bool PostgresRequestStore::upsert_user_masks(const core::UserMasksRow& row, const core::MessagePosition& position) {
  return store_.user_masks().upsert(row, position);
}

}  // namespace mc::service

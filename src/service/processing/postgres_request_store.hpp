#pragma once

#include "adapters/postgres_store.hpp"
#include "service/processing/processor_ports.hpp"

namespace mc::service {

// The request store on PostgreSQL: records, claims and the user's row.
class PostgresRequestStore final : public RequestStore {
 public:
  explicit PostgresRequestStore(adapters::PostgresStore& store) : store_(store) {}
  std::optional<core::RequestRecord> find_request(const std::string& user_id, const std::string& request_id) override;
  std::unique_ptr<RequestClaim> try_claim_request(const std::string& user_id, const std::string& request_id) override;
  bool record_request_started(const core::RequestRecord& record) override;
  void record_request_completed(const std::string& user_id, const std::string& request_id,
                                const std::map<core::MaskType, std::string>& filenames) override;
  void record_request_failed(const std::string& user_id, const std::string& request_id,
                             const std::string& error) override;
  void record_request_options(const std::string& user_id, const std::string& request_id,
                              const nlohmann::json& options) override;
  bool upsert_user_masks(const core::UserMasksRow& row, const core::MessagePosition& position) override;

 private:
  adapters::PostgresStore& store_;
};

}  // namespace mc::service

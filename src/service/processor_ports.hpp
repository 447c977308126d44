#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "adapters/image_fetcher.hpp"
#include "adapters/postgres_store.hpp"
#include "adapters/s3_client.hpp"
#include "core/pool.hpp"
#include "inference/human_analyzer.hpp"

namespace mc::service {

// What RequestProcessor needs of the world, one small interface each, so
// that it can be driven by in-memory fakes in unit tests. The production
// implementations below wrap the adapters; failures are theirs
// (adapters::DependencyError, adapters::ImageFetchError, core::InputError).

// Held while this worker computes a request; released when it goes.
class RequestClaim {
 public:
  virtual ~RequestClaim() = default;
};

// The request records (mask_requests), the claims and the user's row.
class RequestStore {
 public:
  virtual ~RequestStore() = default;
  virtual std::optional<adapters::RequestRecord> find_request(const std::string& user_id,
                                                              const std::string& request_id) = 0;
  // Nothing when another holder has the request now.
  virtual std::unique_ptr<RequestClaim> try_claim_request(const std::string& user_id,
                                                          const std::string& request_id) = 0;
  // False when the record had completed meanwhile.
  virtual bool record_request_started(const adapters::RequestRecord& record) = 0;
  virtual void record_request_completed(const std::string& user_id, const std::string& request_id,
                                        const std::map<core::MaskType, std::string>& filenames) = 0;
  virtual void record_request_failed(const std::string& user_id, const std::string& request_id,
                                     const std::string& error) = 0;
  // What the request's options made, for answering it again (RequestRecord::options).
  virtual void record_request_options(const std::string& user_id, const std::string& request_id,
                                      const nlohmann::json& options) = 0;
  // False when a request consumed later already wrote the row.
  virtual bool upsert_user_masks(const adapters::UserMasksRow& row, const adapters::MessagePosition& position) = 0;
};

// Where the mask PNGs go.
class MaskStorage {
 public:
  virtual ~MaskStorage() = default;
  virtual void put_object(const std::string& key, std::string_view bytes, const std::string& content_type) = 0;
};

// Downloads an image by URL; stops with adapters::FetchCancelled when
// `cancelled` turns true.
class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual std::string fetch(const std::string& url, const std::function<bool()>& cancelled) = 0;
};

// Runs the networks on a 768 x 1024 person image (waiting for a free
// instance); core::InputError("no person detected") when there is nobody.
class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual inference::HumanAnalysis analyze(const cv::Mat& person) = 0;
};

// PostgreSQL (adapters::PostgresStore).
class PostgresRequestStore final : public RequestStore {
 public:
  explicit PostgresRequestStore(adapters::PostgresStore& store) : store_(store) {}
  std::optional<adapters::RequestRecord> find_request(const std::string& user_id,
                                                      const std::string& request_id) override;
  std::unique_ptr<RequestClaim> try_claim_request(const std::string& user_id, const std::string& request_id) override;
  bool record_request_started(const adapters::RequestRecord& record) override;
  void record_request_completed(const std::string& user_id, const std::string& request_id,
                                const std::map<core::MaskType, std::string>& filenames) override;
  void record_request_failed(const std::string& user_id, const std::string& request_id,
                             const std::string& error) override;
  void record_request_options(const std::string& user_id, const std::string& request_id,
                              const nlohmann::json& options) override;
  bool upsert_user_masks(const adapters::UserMasksRow& row, const adapters::MessagePosition& position) override;

 private:
  adapters::PostgresStore& store_;
};

// S3 through a pool of clients (each keeps its connection open), made when
// none is idle.
class S3MaskStorage final : public MaskStorage {
 public:
  explicit S3MaskStorage(adapters::S3Settings settings);
  void put_object(const std::string& key, std::string_view bytes, const std::string& content_type) override;

 private:
  core::Pool<adapters::S3Client> clients_;
};

// HTTP(S) downloads with the IMAGE_* settings.
class HttpImageSource final : public ImageSource {
 public:
  explicit HttpImageSource(adapters::FetchSettings settings) : settings_(std::move(settings)) {}
  std::string fetch(const std::string& url, const std::function<bool()>& cancelled) override;

 private:
  adapters::FetchSettings settings_;
};

// An analyzer leased from the pool for each image.
class PooledAnalyzer final : public Analyzer {
 public:
  explicit PooledAnalyzer(inference::AnalyzerPool& pool) : pool_(pool) {}
  inference::HumanAnalysis analyze(const cv::Mat& person) override;

 private:
  inference::AnalyzerPool& pool_;
};

}  // namespace mc::service

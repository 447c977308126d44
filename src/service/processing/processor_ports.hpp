#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "core/request_record.hpp"
#include "inference/human_analysis.hpp"
#include "service/operations/shutdown.hpp"

namespace mc::service {

// What RequestProcessor needs of the world, one small interface each, so
// that it can be driven by in-memory fakes in unit tests. The production
// implementations, each in its own file (postgres_request_store,
// s3_mask_storage, http_image_source, pooled_analyzer), wrap the adapters;
// failures are theirs (adapters::DependencyError, adapters::ImageFetchError,
// core::InputError).

// Held while this worker computes a request; released when it goes.
class RequestClaim {
 public:
  virtual ~RequestClaim() = default;
};

// The request records (mask_requests), the claims and the user's row.
class RequestStore {
 public:
  virtual ~RequestStore() = default;
  virtual std::optional<core::RequestRecord> find_request(const std::string& user_id,
                                                          const std::string& request_id) = 0;
  // Nothing when another holder has the request now.
  virtual std::unique_ptr<RequestClaim> try_claim_request(const std::string& user_id,
                                                          const std::string& request_id) = 0;
  // False when the record had completed meanwhile.
  virtual bool record_request_started(const core::RequestRecord& record) = 0;
  virtual void record_request_completed(const std::string& user_id, const std::string& request_id,
                                        const std::map<core::MaskType, std::string>& filenames) = 0;
  virtual void record_request_failed(const std::string& user_id, const std::string& request_id,
                                     const std::string& error) = 0;
  // What the request's options made, for answering it again (RequestRecord::options).
  virtual void record_request_options(const std::string& user_id, const std::string& request_id,
                                      const nlohmann::json& options) = 0;
  // False when a request consumed later already wrote the row.
  virtual bool upsert_user_masks(const core::UserMasksRow& row, const core::MessagePosition& position) = 0;
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
// `image_digest` is a SHA-256 (hex) of the image bytes `person` was decoded
// from and of the limits it was decoded under (empty when there are none),
// so that a cache can answer recall() for them later. Waits that are not the
// networks' own (another request computing the same image) end with
// Abandoned once `interruption` is due.
class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual inference::HumanAnalysis analyze(const cv::Mat& person, const std::string& image_digest,
                                           const Interruption& interruption) = 0;
  // The analysis of the image whose bytes and limits have `image_digest`,
  // when one is at hand without decoding them (bytes analysed before under
  // the same limits: decoding them again would give the same person image);
  // nothing otherwise. Never runs the networks.
  virtual std::optional<inference::HumanAnalysis> recall(const std::string& /*image_digest*/) { return std::nullopt; }
};

}  // namespace mc::service

#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "core/pool.hpp"
#include "adapters/s3_client.hpp"
#include "service/operations/health.hpp"
#include "service/settings/http_api_settings.hpp"
#include "service/operations/metrics.hpp"
#include "service/processing/request_processor.hpp"
#include "service/operations/shutdown.hpp"

namespace mc::service {

// Reads a stored mask back (for ?inline=true).
class MaskReader {
 public:
  virtual ~MaskReader() = default;
  virtual std::string get_object(const std::string& key) = 0;
};

// S3 through a pool of clients, made when none is idle.
class S3MaskReader final : public MaskReader {
 public:
  explicit S3MaskReader(adapters::S3Settings settings);
  std::string get_object(const std::string& key) override;

 private:
  core::Pool<adapters::S3Client> clients_;
};

// How an outcome is answered over HTTP: 200 completed (also from its
// record), 400 invalid request, 422 the image (unavailable, undecodable, no
// person), 500 otherwise.
int http_status_of(const Outcome& outcome);

// The largest body accepted: an image of `max_image_bytes` (IMAGE_MAX_BYTES)
// as base64, plus 64 KiB for the fields around it.
std::size_t http_api_body_limit(std::size_t max_image_bytes);

// CivetWeb's threads for HTTP_API_MAX_QUEUE: the requests admitted, and 32
// more for the refusals, the page and clients slow to send their headers
// (each held 5 s at most).
int http_api_threads(int max_queue);

// The synchronous API (CivetWeb, like the operators' endpoint), on its own threads:
//   POST /v1/masks[?inline=true]  the Kafka request in, its result message out
//   GET  /                        the page to try it in a browser (web/index.html)
// Each request goes through the same RequestProcessor as a Kafka message
// (dedupe, claims, records, uploads), with no Kafka position and no
// publication. Bodies above `max_body_bytes` get 413; more than
// HTTP_API_MAX_QUEUE requests at once 429 with Retry-After; while the
// service is not ready or stops, 503.
class HttpApi {
 public:
  struct Parts {
    RequestProcessor& processor;
    MaskReader& masks;
    const HealthState& health;
    const StopState& stop;
    ServiceMetrics& metrics;
    spdlog::logger& log;
  };
  // Binds at once (core::SetupError when the address or port cannot be had);
  // serves until destroyed, which waits for the requests in progress.
  HttpApi(const HttpApiSettings& settings, std::size_t max_body_bytes, Parts parts);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  [[nodiscard]] int port() const { return port_; }

 private:
  struct Server;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

}  // namespace mc::service

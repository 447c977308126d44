#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace mc::service {

// Where a request's time goes (docs/operations.md).
enum class Stage {
  kQueueWait,   // consumed, waiting for a worker (and the user's earlier requests)
  kFetch,       // image download, retries included
  kDecode,      // image bytes to the 768 x 1024 person image
  kParsingAtr,  // the ATR parsing network
  kParsingLip,  // the LIP parsing network
  kPose,        // the pose network
  kMasks,       // mask rules
  kEncode,      // PNG encoding
  kUpload,      // S3 uploads, retries included
  kDatabase,    // every PostgreSQL call of the request, retries included
  kPublish,     // result (and poison message) until the broker acknowledged
};
inline constexpr Stage kAllStages[] = {Stage::kQueueWait,  Stage::kFetch,    Stage::kDecode, Stage::kParsingAtr,
                                       Stage::kParsingLip, Stage::kPose,     Stage::kMasks,  Stage::kEncode,
                                       Stage::kUpload,     Stage::kDatabase, Stage::kPublish};
std::string_view stage_name(Stage stage);

enum class Dependency { kKafka, kS3, kPostgres };
inline constexpr Dependency kAllDependencies[] = {Dependency::kKafka, Dependency::kS3, Dependency::kPostgres};
std::string_view dependency_name(Dependency dependency);

struct BuildInfo {
  std::string version;      // the project's version (CMake)
  std::string onnxruntime;  // the ONNX Runtime library's version
};

// The service's Prometheus metrics, all named maskcomponent_*, in one
// registry (prometheus-cpp) that text() serialises for /metrics. One per
// process, passed to what reports into it. Thread-safe.
class ServiceMetrics {
 public:
  explicit ServiceMetrics(const BuildInfo& build);
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // The Prometheus text exposition format (version 0.0.4).
  [[nodiscard]] std::string text() const;

  // One consumed message's outcome: "completed", "answered_from_record" or
  // "failed" (with its failure class; "none" otherwise), and its time from
  // consumption to the broker's acknowledgement of its result.
  void request_finished(std::string_view outcome, std::string_view failure_class, std::chrono::nanoseconds duration);
  void observe(Stage stage, std::chrono::nanoseconds duration);
  // A failed call that will be tried again: stage ("upload", "database",
  // "fetch", "publish", ...) and whether the failure was transient.
  void retried(std::string_view stage, bool transient);
  void poison_published();
  void publication_dropped();
  void set_in_flight(int messages);
  void set_intake_paused(bool paused);
  void set_dependency_up(Dependency dependency, bool up);
  // Kafka counts as up while a broker is up (librdkafka's statistics) and
  // results can be published (a missing output topic, or one we may not
  // write to, is Kafka refusing us as much as a broker down).
  void set_kafka_brokers_up(bool up);
  void set_kafka_publishing(bool ok);
  // Consumer lag per assigned partition, as librdkafka last reported it;
  // partitions not in `lags` lose their series.
  void set_consumer_lags(const std::map<std::pair<std::string, int>, std::int64_t>& lags);
  void set_model_load_time(std::chrono::nanoseconds duration);
  // maskcomponent_inference_info: what runs the networks (engine
  // "onnxruntime-cpu", "onnxruntime-cuda" or "openvino"), in which precision
  // ("fp32" or "bf16") and on which bf16 instructions (empty for fp32). Once, at start-up.
  void set_inference(std::string_view engine, std::string_view precision, std::string_view instructions);
  // Where other parts (the HTTP API) register their own families.
  [[nodiscard]] prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Histogram>& stage_duration_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Counter& poison_messages_;
  prometheus::Counter& dropped_publications_;
  prometheus::Gauge& in_flight_;
  prometheus::Gauge& intake_paused_;
  prometheus::Family<prometheus::Gauge>& dependency_up_;
  prometheus::Family<prometheus::Gauge>& consumer_lag_;
  prometheus::Gauge& model_load_seconds_;
  std::mutex lag_mutex_;
  std::map<std::pair<std::string, int>, prometheus::Gauge*> lag_series_;
  std::mutex kafka_mutex_;
  std::optional<bool> kafka_brokers_up_;  // none before the first statistics
  bool kafka_publishing_ = true;
};

}  // namespace mc::service

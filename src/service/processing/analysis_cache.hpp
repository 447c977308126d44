#pragma once

#include <cstddef>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <opencv2/core.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include "core/pool.hpp"
#include "adapters/s3_client.hpp"
#include "inference/checkpoints.hpp"
#include "inference/human_analyzer.hpp"
#include "service/settings/analysis_cache_settings.hpp"
#include "service/operations/metrics.hpp"
#include "service/processing/processor_ports.hpp"
#include "service/processing/stored_analysis.hpp"

namespace mc::service {

// SHA-256 (hex) of the three model files' bytes, the chosen parsing outputs
// the pose model's name and the precision the networks run in
// (inference::precision_name: "bf16" adds itself): a cached analysis is only
// ever used with the models, the pose model and the precision that made it.
// Adding the pose model's name (issue 30) changed every key once: the first
// release with it starts with a cold cache.
std::string model_fingerprint(const inference::CheckpointPaths& checkpoints, const inference::ModelSettings& models,
                              const std::string& precision);

// SHA-256 (hex) of a person image's size, type and pixels.
std::string pixels_digest(const cv::Mat& person);

// The version of what the code makes of the networks' outputs (parsing and
// pose post-processing). Bump it with any change that gives another analysis
// for the same image and models: it is part of every cache key, so a release
// never serves an earlier release's analyses from the shared bucket.
inline constexpr int kAnalysisAlgorithmVersion = 1;

// The cache key of an image: "v<kAnalysisAlgorithmVersion>/<fingerprint>/<pixels>".
std::string analysis_key(const std::string& fingerprint, const std::string& pixels);

// Parse maps and keypoints by image and models, in front of the networks: a
// bounded in-process LRU, then S3 (shared by every instance), then `inner`,
// whose answer is stored in both. The S3 layer is on only with a key
// (settings.key): entries are sealed with it, and objects whose seal does not
// match, corrupt or out of bounds are counted as errors, logged once each,
// ignored and replaced; S3 failures only cost the cache (the request is
// computed). Thread-safe.
//
// One computation per key at a time: a miss for a key already being looked
// up in S3 or computed waits for that one (counted as a hit of layer
// "in_flight"), and gets its answer or its error: the same image and models
// give the same error, and a transient one (memory) is retried by the
// caller's retry policy as a call of its own. The wait ends with Abandoned
// when the waiter's interruption is due; a leader abandoned itself hands the
// computation to a waiter. Nothing of a finished flight is kept.
class CachingAnalyzer final : public Analyzer {
 public:
  CachingAnalyzer(Analyzer& inner, const adapters::S3Settings& s3, AnalysisCacheSettings settings,
                  std::string fingerprint, ServiceMetrics& metrics, spdlog::logger& log);
  inference::HumanAnalysis analyze(const cv::Mat& person, const std::string& image_digest,
                                   const Interruption& interruption) override;
  // From the in-process layer, by the image digest analyze() was given with
  // an image it keeps (counted as a memory hit).
  std::optional<inference::HumanAnalysis> recall(const std::string& image_digest) override;
  // How many image digests recall() knows now (those of kept entries only).
  std::size_t recallable_digests();

 private:
  using Flight = std::shared_future<inference::HumanAnalysis>;
  inference::HumanAnalysis analysis_for(const std::string& key, const cv::Mat& person,
                                        const Interruption& interruption);
  // Lets recall() find the entry of `key` by the digest of its image bytes.
  void link(const std::string& key, const std::string& source);
  inference::HumanAnalysis lead(const std::string& key, const cv::Mat& person, const Interruption& interruption,
                                std::promise<inference::HumanAnalysis>& answer);
  std::optional<inference::HumanAnalysis> from_memory_locked(const std::string& key);
  void remember(const std::string& key, const inference::HumanAnalysis& analysis);
  // Drops the least recently used entries until bytes_ is within the budget.
  void evict_locked();
  std::optional<inference::HumanAnalysis> from_bucket(const std::string& key);
  void store(const std::string& key, const inference::HumanAnalysis& analysis);
  void count_error(const std::string& what);

  Analyzer& inner_;
  core::Pool<adapters::S3Client> clients_;
  AnalysisCacheSettings settings_;
  std::string fingerprint_;
  spdlog::logger& log_;
  prometheus::Counter& memory_hits_;
  prometheus::Counter& bucket_hits_;
  prometheus::Counter& flight_hits_;
  prometheus::Counter& misses_;
  prometheus::Counter& errors_;
  prometheus::Gauge& memory_held_;  // bytes_

  struct Entry {
    std::string key;
    inference::HumanAnalysis analysis;
    std::size_t bytes;
    std::vector<std::string> sources;  // digests of image bytes that decode to it
  };
  std::mutex mutex_;
  std::list<Entry> recent_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_;
  std::unordered_map<std::string, std::string> key_by_source_;  // of the entries in recent_
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, Flight> flights_;  // keys being looked up or computed now
};

}  // namespace mc::service

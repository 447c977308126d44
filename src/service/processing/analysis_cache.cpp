#include "service/processing/analysis_cache.hpp"

#include <array>
#include <chrono>
#include <fstream>
#include <memory>

#include "core/digest.hpp"
#include "core/errors.hpp"
#include "service/operations/json_log.hpp"

namespace mc::service {

namespace {

using core::Sha256;

// What an entry holds: its pixels, its warnings, and its key three times (the
// entry, the index, the in-flight map's twin), with some room for the nodes.
std::size_t size_of(const std::string& key, const inference::HumanAnalysis& analysis) {
  std::size_t bytes = analysis.parse.total() * analysis.parse.elemSize() + sizeof(analysis) + 3 * key.size() + 256;
  for (const auto& warning : analysis.warnings) bytes += sizeof(warning) + warning.capacity();
  return bytes;
}

// What a link to an entry holds: the source in the entry and in the index,
// with the key again.
std::size_t size_of_link(const std::string& key, const std::string& source) {
  return 2 * (sizeof(source) + source.size()) + key.size() + 64;
}

// An answer of the cache: its own pixels (the caller may write them), and no
// network times (no network ran for it).
inference::HumanAnalysis answer_from(const inference::HumanAnalysis& kept) {
  inference::HumanAnalysis copy = kept;
  copy.parse = kept.parse.clone();
  copy.atr_time = copy.lip_time = copy.pose_time = {};
  return copy;
}

// How often a waiter looks at its interruption (an atomic flag, no signal).
constexpr std::chrono::milliseconds kInterruptionPoll{50};

// Encodings of one image that recall() knows at most (the same photo sent
// as other files is rare; each link is a few bytes).
constexpr std::size_t kMaxSourcesPerEntry = 4;

}  // namespace

std::string model_fingerprint(const inference::CheckpointPaths& checkpoints, const inference::ModelSettings& models,
                              const std::string& precision) {
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  std::vector<std::filesystem::path> files{checkpoints.atr, checkpoints.lip};
  for (const auto& path : checkpoints.pose_files()) files.push_back(path);
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::SetupError("cannot read model file " + path.string());
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      hash.add(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    hash.add("\n", 1);
  }
  // The pose model by name too: its keypoints differ even were the files the same.
  hash.add(models.atr_output + "\n" + models.lip_output + "\n" + inference::pose_model_name(models.pose_model));
  if (precision != "fp32") hash.add("\nprecision " + precision);
  return hash.hex();
}

std::string analysis_key(const std::string& fingerprint, const std::string& pixels) {
  // Appended, not added: GCC 12 warns (-Wrestrict) on the sum of literals.
  std::string key = std::to_string(kAnalysisAlgorithmVersion);
  key.insert(0, 1, 'v');
  key.append(1, '/').append(fingerprint).append(1, '/').append(pixels);
  return key;
}

std::string pixels_digest(const cv::Mat& person) {
  Sha256 hash;
  hash.add(std::to_string(person.cols) + "x" + std::to_string(person.rows) + ":" + std::to_string(person.type()) + ":");
  const std::size_t row_bytes = static_cast<std::size_t>(person.cols) * person.elemSize();
  for (int y = 0; y < person.rows; ++y) hash.add(person.ptr(y), row_bytes);
  return hash.hex();
}

CachingAnalyzer::CachingAnalyzer(Analyzer& inner, const adapters::S3Settings& s3, AnalysisCacheSettings settings,
                                 std::string fingerprint, ServiceMetrics& metrics, spdlog::logger& log)
    : inner_(inner),
      clients_([s3] { return std::make_unique<adapters::S3Client>(s3); }),
      settings_(std::move(settings)),
      fingerprint_(std::move(fingerprint)),
      log_(log),
      memory_hits_(prometheus::BuildCounter()
                       .Name("maskcomponent_analysis_cache_hits_total")
                       .Help("Analyses taken from the cache instead of the networks, by layer")
                       .Register(metrics.registry())
                       .Add({{"layer", "memory"}})),
      bucket_hits_(prometheus::BuildCounter()
                       .Name("maskcomponent_analysis_cache_hits_total")
                       .Help("Analyses taken from the cache instead of the networks, by layer")
                       .Register(metrics.registry())
                       .Add({{"layer", "s3"}})),
      flight_hits_(prometheus::BuildCounter()
                       .Name("maskcomponent_analysis_cache_hits_total")
                       .Help("Analyses taken from the cache instead of the networks, by layer")
                       .Register(metrics.registry())
                       .Add({{"layer", "in_flight"}})),
      misses_(prometheus::BuildCounter()
                  .Name("maskcomponent_analysis_cache_misses_total")
                  .Help("Analyses computed by the networks (not in the cache)")
                  .Register(metrics.registry())
                  .Add({})),
      errors_(prometheus::BuildCounter()
                  .Name("maskcomponent_analysis_cache_errors_total")
                  .Help("Cache objects ignored (corrupt, foreign) and S3 calls of the cache that failed")
                  .Register(metrics.registry())
                  .Add({})),
      memory_held_(prometheus::BuildGauge()
                       .Name("maskcomponent_analysis_cache_bytes")
                       .Help("Bytes the in-process layer of the analysis cache holds (ANALYSIS_CACHE_MEMORY_MB)")
                       .Register(metrics.registry())
                       .Add({})) {
  if (settings_.key.empty()) {
    log_json(log_, spdlog::level::warn,
             "ANALYSIS_CACHE_KEY is not set: the analysis cache keeps to this process's memory (no S3 layer)",
             {{"stage", "analysis_cache"}, {"event", "analysis_cache_s3_off"}});
  }
}

inference::HumanAnalysis CachingAnalyzer::analyze(const cv::Mat& person, const std::string& image_digest,
                                                  const Interruption& interruption) {
  const std::string key = analysis_key(fingerprint_, pixels_digest(person));
  inference::HumanAnalysis analysis = analysis_for(key, person, interruption);
  if (!image_digest.empty()) link(key, image_digest);
  return analysis;
}

std::optional<inference::HumanAnalysis> CachingAnalyzer::recall(const std::string& image_digest) {
  const std::lock_guard lock(mutex_);
  const auto found = key_by_source_.find(image_digest);
  if (found == key_by_source_.end()) return std::nullopt;
  auto analysis = from_memory_locked(found->second);
  if (analysis) memory_hits_.Increment();
  return analysis;
}

std::size_t CachingAnalyzer::recallable_digests() {
  const std::lock_guard lock(mutex_);
  return key_by_source_.size();
}

void CachingAnalyzer::link(const std::string& key, const std::string& source) {
  const std::lock_guard lock(mutex_);
  const auto entry = by_key_.find(key);
  if (entry == by_key_.end() || key_by_source_.count(source) != 0) return;  // not kept, or linked already
  if (entry->second->sources.size() >= kMaxSourcesPerEntry) return;
  entry->second->sources.push_back(source);
  key_by_source_.emplace(source, key);
  const std::size_t bytes = size_of_link(key, source);
  entry->second->bytes += bytes;
  bytes_ += bytes;
  evict_locked();
}

inference::HumanAnalysis CachingAnalyzer::analysis_for(const std::string& key, const cv::Mat& person,
                                                       const Interruption& interruption) {
  for (;;) {
    std::promise<inference::HumanAnalysis> answer;
    Flight flight;
    {
      const std::lock_guard lock(mutex_);
      if (auto cached = from_memory_locked(key)) {
        memory_hits_.Increment();
        return std::move(*cached);
      }
      const auto found = flights_.find(key);
      if (found == flights_.end()) {
        flights_.emplace(key, answer.get_future().share());
      } else {
        flight = found->second;
      }
    }
    if (!flight.valid()) return lead(key, person, interruption, answer);
    flight_hits_.Increment();
    while (flight.wait_for(kInterruptionPoll) != std::future_status::ready) interruption.check();
    try {
      return answer_from(flight.get());
    } catch (const Abandoned&) {
      // The leader's interruption, not necessarily ours: unless ours is due
      // too, look again (a waiter leads).
      interruption.check();
    }
  }
}

inference::HumanAnalysis CachingAnalyzer::lead(const std::string& key, const cv::Mat& person,
                                               const Interruption& interruption,
                                               std::promise<inference::HumanAnalysis>& answer) {
  // Whatever happens, the flight ends: its waiters get the answer or the
  // error, and the next call for the key looks anew.
  bool answered = false;
  const auto land = [&](auto&& give) {
    {
      const std::lock_guard lock(mutex_);
      flights_.erase(key);
    }
    give();
    answered = true;
  };
  try {
    if (auto cached = from_bucket(key)) {
      bucket_hits_.Increment();
      remember(key, *cached);
      land([&] { answer.set_value(answer_from(*cached)); });
      return std::move(*cached);
    }
    misses_.Increment();
    inference::HumanAnalysis analysis = inner_.analyze(person, {}, interruption);
    remember(key, analysis);
    // The waiters are answered now; the flight lasts until S3 has the
    // analysis too, so that a request meanwhile (the memory layer off or
    // too small for it) is answered, not computed again.
    answer.set_value(answer_from(analysis));
    answered = true;
    store(key, analysis);  // counts its own failures, throws none
    land([] {});
    return analysis;
  } catch (...) {
    if (!answered) {
      land([&] { answer.set_exception(std::current_exception()); });
    } else {
      land([] {});
    }
    throw;
  }
}

std::optional<inference::HumanAnalysis> CachingAnalyzer::from_memory_locked(const std::string& key) {
  const auto found = by_key_.find(key);
  if (found == by_key_.end()) return std::nullopt;
  recent_.splice(recent_.begin(), recent_, found->second);
  return answer_from(found->second->analysis);
}

void CachingAnalyzer::remember(const std::string& key, const inference::HumanAnalysis& analysis) {
  const std::size_t bytes = size_of(key, analysis);
  if (bytes > settings_.memory_bytes) return;
  Entry entry{key, analysis, bytes, {}};
  entry.analysis.parse = analysis.parse.clone();
  const std::lock_guard lock(mutex_);
  if (by_key_.count(key) != 0) return;
  recent_.push_front(std::move(entry));
  by_key_[key] = recent_.begin();
  bytes_ += bytes;
  evict_locked();
}

void CachingAnalyzer::evict_locked() {
  while (bytes_ > settings_.memory_bytes) {
    bytes_ -= recent_.back().bytes;
    for (const auto& source : recent_.back().sources) key_by_source_.erase(source);
    by_key_.erase(recent_.back().key);
    recent_.pop_back();
  }
  memory_held_.Set(static_cast<double>(bytes_));
}

std::optional<inference::HumanAnalysis> CachingAnalyzer::from_bucket(const std::string& key) {
  if (settings_.key.empty()) return std::nullopt;  // no S3 layer without a key to seal its entries
  std::optional<std::string> bytes;
  try {
    const auto client = clients_.acquire();
    bytes = client->find_object(settings_.prefix + key, kMaxStoredAnalysisBytes);
  } catch (const std::exception& error) {
    count_error(std::string("cache read failed: ") + error.what());
    return std::nullopt;
  }
  if (!bytes) return std::nullopt;
  std::string problem;
  std::optional<inference::HumanAnalysis> analysis;
  if (const auto document = open_entry(*bytes, key, settings_.key, problem)) {
    analysis = decode_analysis(*document, key, problem);
  }
  if (!analysis) count_error("cache object " + settings_.prefix + key + " ignored (" + problem + "); replacing it");
  return analysis;
}

void CachingAnalyzer::store(const std::string& key, const inference::HumanAnalysis& analysis) {
  if (settings_.key.empty()) return;
  try {
    const auto client = clients_.acquire();
    client->put_object(settings_.prefix + key, seal_entry(encode_analysis(analysis, key), key, settings_.key),
                       "application/octet-stream");
  } catch (const std::exception& error) {
    count_error(std::string("cache write failed: ") + error.what());
  }
}

void CachingAnalyzer::count_error(const std::string& what) {
  errors_.Increment();
  log_json(log_, spdlog::level::warn, what, {{"stage", "analysis_cache"}, {"event", "analysis_cache_error"}});
}

}  // namespace mc::service

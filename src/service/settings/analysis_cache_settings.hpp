#pragma once

#include <cstddef>
#include <string>

#include "service/settings/environment.hpp"

namespace mc::service {

// The analysis cache (README "Analysis cache"): ANALYSIS_CACHE, ANALYSIS_CACHE_MEMORY_MB, ANALYSIS_CACHE_PREFIX,
// ANALYSIS_CACHE_KEY (a secret).
struct AnalysisCacheSettings {
  bool enabled = true;
  std::size_t memory_bytes = 256U * 1024 * 1024;
  std::string prefix = "_analysis/";
  // Seals the S3 entries (HMAC-SHA256); empty: no S3 layer, memory only.
  std::string key;
};
// The fewest bytes ANALYSIS_CACHE_KEY may have (`openssl rand -hex 32` gives 64).
inline constexpr std::size_t kMinAnalysisCacheKeyBytes = 32;
AnalysisCacheSettings read_analysis_cache_settings(SettingsReader& env);

}  // namespace mc::service

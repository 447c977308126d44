#pragma once

#include <cstddef>
#include <string>

#include "service/environment.hpp"

namespace mc::service {

// The analysis cache (README "Analysis cache"): ANALYSIS_CACHE, ANALYSIS_CACHE_MEMORY_MB, ANALYSIS_CACHE_PREFIX.
struct AnalysisCacheSettings {
  bool enabled = true;
  std::size_t memory_bytes = 256U * 1024 * 1024;
  std::string prefix = "_analysis/";
};
AnalysisCacheSettings read_analysis_cache_settings(SettingsReader& env);

}  // namespace mc::service

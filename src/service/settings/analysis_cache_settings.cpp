#include "service/settings/analysis_cache_settings.hpp"

namespace mc::service {

AnalysisCacheSettings read_analysis_cache_settings(SettingsReader& env) {
  AnalysisCacheSettings cache;
  const std::string mode = env.optional("ANALYSIS_CACHE", "on");
  if (mode != "on" && mode != "off") env.problem("ANALYSIS_CACHE must be on or off (got \"" + mode + "\")");
  cache.enabled = mode == "on";
  cache.memory_bytes = static_cast<std::size_t>(env.number("ANALYSIS_CACHE_MEMORY_MB", 256, 0, 1 << 20)) * 1024 * 1024;
  cache.prefix = env.optional("ANALYSIS_CACHE_PREFIX", cache.prefix);
  if (cache.prefix.empty() || cache.prefix.back() != '/' || cache.prefix.front() == '/') {
    env.problem("ANALYSIS_CACHE_PREFIX must end with / and not begin with one (got \"" + cache.prefix + "\")");
  }
  cache.key = env.secret("ANALYSIS_CACHE_KEY", cache.key);
  if (!cache.key.empty() && cache.key.size() < kMinAnalysisCacheKeyBytes) {
    env.problem("ANALYSIS_CACHE_KEY must have at least " + std::to_string(kMinAnalysisCacheKeyBytes) +
                " bytes (e.g. openssl rand -hex 32)");
  }
  return cache;
}

}  // namespace mc::service

#pragma once

#include <chrono>
#include <concepts>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mc::service {

// Reads a variable of the environment; nullptr when unset.
using EnvironmentReader = std::function<const char*(const char*)>;
EnvironmentReader process_environment();

// Reads settings and collects every problem, so that start-up reports them
// all at once. Values are never echoed for secret variables.
class SettingsReader {
 public:
  explicit SettingsReader(EnvironmentReader environment) : environment_(std::move(environment)) {}

  std::string required(const char* name);
  std::string optional(const char* name, const std::string& fallback);
  long number(const char* name, long fallback, long low, long high);
  // The same for a setting's own type; `fallback` is the settings struct's
  // initialiser, so that each default is written once.
  template <std::integral Integer>
  Integer integer(const char* name, Integer fallback, long low, long high) {
    return static_cast<Integer>(number(name, static_cast<long>(fallback), low, high));
  }
  // A duration in the units of `fallback` (RETRY_BASE_DELAY_MS: milliseconds).
  template <typename Rep, typename Period>
  std::chrono::duration<Rep, Period> duration(const char* name, std::chrono::duration<Rep, Period> fallback, long low,
                                              long high) {
    return std::chrono::duration<Rep, Period>(number(name, static_cast<long>(fallback.count()), low, high));
  }
  bool boolean(const char* name, bool fallback);
  // Whether NAME is set to something (a default is not).
  bool given(const char* name) const;
  // A secret: NAME, or the contents of the file that NAME_FILE names (how
  // Docker, Compose and Kubernetes hand secrets over as files, so that they
  // stay out of `inspect` output), one trailing newline removed. Setting
  // both is a problem. The value is never echoed; the file's path may be.
  std::string secret(const char* name, const std::string& fallback);
  std::string required_secret(const char* name);
  void problem(std::string text) { problems_.push_back(std::move(text)); }

  // Throws core::SetupError listing every problem, if there is any.
  void throw_if_problems() const;

 private:
  // NAME's or NAME_FILE's value; nullopt when neither is set or on a problem
  // (then `failed`).
  std::optional<std::string> secret_value(const char* name, bool& failed);

  EnvironmentReader environment_;
  std::vector<std::string> problems_;
};

}  // namespace mc::service

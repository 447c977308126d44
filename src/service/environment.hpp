#pragma once

#include <functional>
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
  bool boolean(const char* name, bool fallback);
  void problem(std::string text) { problems_.push_back(std::move(text)); }

  // Throws core::SetupError listing every problem, if there is any.
  void throw_if_problems() const;

 private:
  EnvironmentReader environment_;
  std::vector<std::string> problems_;
};

}  // namespace mc::service

#include "service/environment.hpp"

#include <cerrno>
#include <cstdlib>

#include "core/errors.hpp"

namespace mc::service {

EnvironmentReader process_environment() {
  return [](const char* name) { return std::getenv(name); };
}

std::string SettingsReader::required(const char* name) {
  const char* value = environment_(name);
  if (value == nullptr || *value == '\0') {
    problems_.push_back(std::string(name) + " is required");
    return {};
  }
  return value;
}

std::string SettingsReader::optional(const char* name, const std::string& fallback) {
  const char* value = environment_(name);
  return value == nullptr || *value == '\0' ? fallback : std::string(value);
}

long SettingsReader::number(const char* name, long fallback, long low, long high) {
  const char* value = environment_(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const long parsed = std::strtol(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || parsed < low || parsed > high) {
    problems_.push_back(std::string(name) + " must be a whole number from " + std::to_string(low) + " to " +
                        std::to_string(high) + " (got \"" + value + "\")");
    return fallback;
  }
  return parsed;
}

bool SettingsReader::boolean(const char* name, bool fallback) {
  const std::string value = optional(name, fallback ? "true" : "false");
  if (value == "true" || value == "1" || value == "TRUE" || value == "True") return true;
  if (value == "false" || value == "0" || value == "FALSE" || value == "False") return false;
  problems_.push_back(std::string(name) + " must be true or false (got \"" + value + "\")");
  return fallback;
}

void SettingsReader::throw_if_problems() const {
  if (problems_.empty()) return;
  std::string message = "configuration problems:";
  for (const auto& problem : problems_) message += "\n  " + problem;
  throw core::SetupError(message);
}

}  // namespace mc::service

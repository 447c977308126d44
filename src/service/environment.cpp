#include "service/environment.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

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

namespace {

// A secret file is a password, a token or a DSN: anything longer is the
// wrong file.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

}  // namespace

std::optional<std::string> SettingsReader::secret_value(const char* name, bool& failed) {
  failed = false;
  const std::string file_variable = std::string(name) + "_FILE";
  const char* value = environment_(name);
  const char* path = environment_(file_variable.c_str());
  const bool has_value = value != nullptr && *value != '\0';
  const bool has_path = path != nullptr && *path != '\0';
  if (has_value && has_path) {
    problems_.push_back(std::string(name) + " and " + file_variable + " are both set: set one");
    failed = true;
    return std::nullopt;
  }
  if (has_value) return std::string(value);
  if (!has_path) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (in) {
    text.resize(kMaxSecretFileBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
  }
  const auto refuse = [&](const std::string& why) {
    problems_.push_back(file_variable + " names " + why + " (\"" + path + "\")");
    failed = true;
    return std::nullopt;
  };
  if (!in && !in.eof()) return refuse(std::string("a file that cannot be read: ") + std::strerror(errno));
  if (text.size() > kMaxSecretFileBytes) return refuse("a file larger than 64 KiB");
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) return refuse("an empty file");
  return text;
}

std::string SettingsReader::secret(const char* name, const std::string& fallback) {
  bool failed = false;
  return secret_value(name, failed).value_or(fallback);
}

std::string SettingsReader::required_secret(const char* name) {
  bool failed = false;
  auto value = secret_value(name, failed);
  if (!value && !failed) problems_.push_back(std::string(name) + " (or " + name + "_FILE) is required");
  return value.value_or("");
}

void SettingsReader::throw_if_problems() const {
  if (problems_.empty()) return;
  std::string message = "configuration problems:";
  for (const auto& problem : problems_) message += "\n  " + problem;
  throw core::SetupError(message);
}

}  // namespace mc::service

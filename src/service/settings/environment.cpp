#include "service/settings/environment.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

bool SettingsReader::given(const char* name) const {
  const char* value = environment_(name);
  return value != nullptr && *value != '\0';
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
  const auto refuse = [&](const std::string& why) {
    problems_.push_back(file_variable + " names " + why + " (\"" + path + "\")");
    failed = true;
    return std::nullopt;
  };
  // Non-blocking, and a regular file only: a FIFO without a writer would
  // hang start-up, a device would never end.
  const int fd = ::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return refuse(std::string("a file that cannot be read: ") + std::strerror(errno));
  struct stat info {};
  std::string text;
  bool read_failed = false;
  int read_error = 0;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return refuse("something that is not a regular file");
  }
  char chunk[4096];
  while (text.size() <= kMaxSecretFileBytes) {
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      read_failed = true;
      read_error = errno;
    }
    if (got <= 0) break;
    text.append(chunk, static_cast<std::size_t>(got));
  }
  ::close(fd);
  if (read_failed) return refuse(std::string("a file that cannot be read: ") + std::strerror(read_error));
  if (text.size() > kMaxSecretFileBytes) return refuse("a file larger than 64 KiB");
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;  // "" for an empty file: the callers decide
}

std::string SettingsReader::secret(const char* name, const std::string& fallback) {
  bool failed = false;
  // An empty file counts as unset, as an empty variable does (a Secret's
  // KAFKA_PASSWORD left empty without SASL).
  const auto value = secret_value(name, failed);
  return value && !value->empty() ? *value : fallback;
}

std::string SettingsReader::required_secret(const char* name) {
  bool failed = false;
  auto value = secret_value(name, failed);
  if (value && value->empty()) {
    const std::string file_variable = std::string(name) + "_FILE";
    problems_.push_back(file_variable + " names an empty file (\"" + environment_(file_variable.c_str()) + "\")");
    return "";
  }
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

#pragma once

#include <stdexcept>
#include <string>

namespace mc::adapters {

// A failure of an outside dependency (S3, PostgreSQL). Transient failures
// (connection refused, timeouts, 5xx, a restarting server) are worth retrying;
// permanent ones (403, a bad bucket name, an SQL error) are not. The message
// reads like the Python service's error table ("MinIO upload failed: ...") and never
// contains a secret.
class DependencyError : public std::runtime_error {
 public:
  enum class Kind { kPermanent, kTransient };
  DependencyError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] bool transient() const { return kind_ == Kind::kTransient; }

 private:
  Kind kind_;
};

}  // namespace mc::adapters

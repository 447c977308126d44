#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "adapters/postgres_connections.hpp"

namespace mc::adapters {

// Claims of requests across processes. While a Claim lives, no other holder
// (this process or another using the same database) gets one for the same
// request: a session advisory lock on a connection of its own, so that a
// process that dies releases its claims with its connection. Should that
// connection break, its claims lapse. Thread-safe.
class PostgresClaims {
 public:
  explicit PostgresClaims(const PostgresConnections& connections);
  ~PostgresClaims();
  PostgresClaims(const PostgresClaims&) = delete;
  PostgresClaims& operator=(const PostgresClaims&) = delete;

  class Claim {
   public:
    Claim(PostgresClaims& claims, std::string key) : claims_(&claims), key_(std::move(key)) {}
    Claim(Claim&& other) noexcept : claims_(std::exchange(other.claims_, nullptr)), key_(std::move(other.key_)) {}
    Claim& operator=(Claim&&) = delete;
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    ~Claim() {
      if (claims_ != nullptr) claims_->release(key_);
    }

   private:
    PostgresClaims* claims_;
    std::string key_;
  };

  // A claim, or nothing when someone holds it now; DependencyError when the
  // server does not answer.
  std::optional<Claim> try_claim(const std::string& user_id, const std::string& request_id);

 private:
  void release(const std::string& key) noexcept;

  const PostgresConnections& connections_;
  std::mutex mutex_;
  std::unique_ptr<PostgresConnection> connection_;  // holds the advisory locks
  std::set<std::string> claimed_;                   // keys held by this process
};

}  // namespace mc::adapters

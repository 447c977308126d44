#pragma once

#include <atomic>
#include <cstddef>

#include "service/operations/dependency_waits.hpp"

namespace mc::service {

// Whether the consumer should take more messages. It pauses its partitions
// (and keeps polling) when SERVICE_CONCURRENCY messages can run (running, or
// first in an idle user's lane), when 4 x SERVICE_CONCURRENCY messages are
// held in all (running or waiting behind their user's running one: the bound
// on memory when one user's backlog grows), when the messages held add up to
// 256 MiB, or while any worker waits for S3, PostgreSQL or Kafka. Work
// waiting behind a busy user's lane thus holds up no other user. Thread-safe.
class IntakeGate {
 public:
  // How many messages may be held per worker before intake pauses.
  static constexpr int kBufferedPerWorker = 4;
  // A message is kept as its bytes (for the poison message) and parsed
  // (about as much again), and inline images make messages of tens of MB.
  // One message is always taken.
  static constexpr std::size_t kMaxHeldBytes = 256U << 20U;

  IntakeGate(int concurrency, const DependencyWaits& waits) : concurrency_(concurrency), waits_(waits) {}

  // A message of `bytes` was taken, or has ended.
  void took(std::size_t bytes) noexcept { held_bytes_ += bytes; }
  void released(std::size_t bytes) noexcept { held_bytes_ -= bytes; }

  // `runnable` and `buffered` as UserOrderedExecutor counts them.
  [[nodiscard]] bool closed(int runnable, int buffered) const {
    return runnable >= concurrency_ || buffered >= kBufferedPerWorker * concurrency_ ||
           held_bytes_.load() >= kMaxHeldBytes || waits_.count() > 0;
  }

 private:
  const int concurrency_;
  const DependencyWaits& waits_;
  std::atomic<std::size_t> held_bytes_{0};
};

}  // namespace mc::service

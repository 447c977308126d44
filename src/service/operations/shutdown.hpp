#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>

#include "core/exit_codes.hpp"

namespace mc::service {

// Shutdown state shared by the consume loop and the workers.
struct StopState {
  std::atomic<bool> stopping{false};
  // steady_clock; set when the consume loop begins to drain. Work still
  // running after it is abandoned.
  std::atomic<std::int64_t> deadline_ns{0};
  // Not kSuccess when the service must stop because something it cannot
  // recover from happened (a fatal Kafka error): the process exits with it.
  std::atomic<core::ExitCode> exit_code{core::ExitCode::kSuccess};
  [[nodiscard]] bool past_deadline() const {
    const std::int64_t deadline = deadline_ns.load();
    return stopping.load() && deadline != 0 && std::chrono::steady_clock::now().time_since_epoch().count() > deadline;
  }
  void fail(core::ExitCode code) {
    exit_code.store(code);
    stopping.store(true);
  }
};

// Thrown when work must stop where it is and be left uncommitted, to be
// delivered again: shutdown's grace ended, or its partition was revoked.
class Abandoned : public std::runtime_error {
 public:
  Abandoned() : std::runtime_error("abandoned") {}
};

// When work must be abandoned. A request of a consumed message: once
// shutdown's grace ended or its partition was revoked. Start-up: as soon as
// a stop is asked for (nothing is in flight to finish).
class Interruption {
 public:
  static Interruption for_request(const StopState& stop, const std::atomic<bool>* revoked = nullptr) {
    return Interruption(stop, revoked, false);
  }
  static Interruption at_startup(const StopState& stop) { return Interruption(stop, nullptr, true); }

  [[nodiscard]] bool due() const {
    if (immediate_) return stop_.stopping.load();
    return stop_.past_deadline() || (revoked_ != nullptr && revoked_->load());
  }
  void check() const {
    if (due()) throw Abandoned();
  }

 private:
  Interruption(const StopState& stop, const std::atomic<bool>* revoked, bool immediate)
      : stop_(stop), revoked_(revoked), immediate_(immediate) {}
  const StopState& stop_;
  const std::atomic<bool>* revoked_;
  bool immediate_;
};

}  // namespace mc::service

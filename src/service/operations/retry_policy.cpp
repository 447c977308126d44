#include "service/operations/retry_policy.hpp"

#include <cmath>
#include <thread>

namespace mc::service {

std::chrono::milliseconds RetryPolicy::backoff(int attempt) {
  const double cap = static_cast<double>(settings_.max_delay.count());
  const double ceiling = std::min(cap, static_cast<double>(settings_.base_delay.count()) *
                                           std::pow(2.0, static_cast<double>(std::min(attempt, 30))));
  const std::lock_guard lock(random_mutex_);
  std::uniform_real_distribution<double> jitter(0.0, ceiling);
  return std::chrono::milliseconds(static_cast<long>(jitter(random_)));
}

void RetryPolicy::sleep(std::chrono::milliseconds delay, const Interruption& interruption) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < until) {
    interruption.check();
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(50),
        std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()) +
            std::chrono::milliseconds(1)));
  }
  interruption.check();
}

}  // namespace mc::service

#pragma once

#include "service/operations/outcome.hpp"

namespace mc::service {

// Where a message's outcome goes: ResultPublisher (Kafka) in the service.
class OutcomePublisher {
 public:
  virtual ~OutcomePublisher() = default;
  // Returns once the broker acknowledged; throws Abandoned when the work must
  // stop first (shutdown's grace ended, a fatal error): the message is then
  // delivered again.
  virtual void deliver(const Outcome& outcome) = 0;
  // Counts an outcome lost for a reason deliver() did not foresee.
  virtual void count_dropped() = 0;
  // Outcomes dropped so far.
  [[nodiscard]] virtual long dropped() const = 0;
};

}  // namespace mc::service

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "core/request_record.hpp"
#include "core/mask_request.hpp"
#include "service/operations/json_log.hpp"
#include "service/operations/metrics.hpp"
#include "service/operations/outcome.hpp"
#include "service/intake/outcome_publisher.hpp"
#include "service/intake/partition_assignment.hpp"
#include "service/operations/shutdown.hpp"

namespace mc::service {

// One consumed message, as the consume loop hands it to a worker.
struct ConsumedMessage {
  Partition partition;
  core::MessagePosition position;
  std::shared_ptr<PartitionAssignment> assignment;  // the one it was consumed under
  std::string payload;                              // the bytes, for the poison message
  core::IncomingMessage incoming;                   // the payload as core::read_message read it (the one parse)
  std::chrono::steady_clock::time_point consumed;
};

// Turns a message into its outcome: RequestProcessor::process in the service.
using ProcessMessage = std::function<Outcome(const std::string& payload, const core::IncomingMessage& incoming,
                                             const core::MessagePosition& position, const Interruption& interruption)>;

// Every consumed message ends here, on a worker: its outcome published and
// its offset finished, or (shutdown, partition revoked) left uncommitted for
// redelivery. Nothing escapes it: an exception from processing (a bug,
// memory exhaustion) still gives the message a failed result and a poison
// message (`Mask generation failed: ...`, counted `internal`), and one from
// publishing lets the offset move on with the loss logged and counted rather
// than blocking the partition. Counts each outcome and its queue wait and
// publishing time in the metrics. Thread-safe.
class MessageGuard {
 public:
  MessageGuard(ProcessMessage process, OutcomePublisher& publisher, FinishedOffsets& finished, StopState& stop,
               ServiceMetrics& metrics, spdlog::logger& log);

  void run(const ConsumedMessage& message) noexcept;

 private:
  Outcome process_safely(const ConsumedMessage& message, const Interruption& interruption);
  Outcome unexpected(const ConsumedMessage& message, const std::string& what);
  void publication_failed(const ConsumedMessage& message, const char* what) noexcept;
  void finish(const ConsumedMessage& message) noexcept;

  ProcessMessage process_;
  OutcomePublisher& publisher_;
  FinishedOffsets& finished_;
  StopState& stop_;
  ServiceMetrics& metrics_;
  StageLog service_log_;
  StageLog process_log_;
  StageLog publish_log_;
};

}  // namespace mc::service

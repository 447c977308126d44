#include "service/intake/message_guard.hpp"

#include <utility>

namespace mc::service {

MessageGuard::MessageGuard(ProcessMessage process, OutcomePublisher& publisher, FinishedOffsets& finished,
                           StopState& stop, ServiceMetrics& metrics, spdlog::logger& log)
    : process_(std::move(process)),
      publisher_(publisher),
      finished_(finished),
      stop_(stop),
      metrics_(metrics),
      service_log_(log, "service"),
      process_log_(log, "process"),
      publish_log_(log, "publish") {}

void MessageGuard::run(const ConsumedMessage& message) noexcept {
  PartitionAssignment& assignment = *message.assignment;
  if (assignment.revoked.load()) return;  // its next owner consumes it again
  ++assignment.running;
  try {
    metrics_.observe(Stage::kQueueWait, std::chrono::steady_clock::now() - message.consumed);
    const Interruption interruption = Interruption::for_request(stop_, &assignment.revoked);
    interruption.check();
    const Outcome outcome = process_safely(message, interruption);
    const auto publishing = std::chrono::steady_clock::now();
    publisher_.deliver(outcome);
    metrics_.observe(Stage::kPublish, std::chrono::steady_clock::now() - publishing);
    finish(message);
    metrics_.request_finished(outcome_kind_name(outcome.kind),
                              outcome.failure ? failure_kind_name(*outcome.failure) : "none",
                              std::chrono::steady_clock::now() - message.consumed);
  } catch (const Abandoned&) {
    service_log_.warn("abandoned", "unfinished (shutdown or partition revoked); it will be delivered again",
                      {{"partition", message.partition.second}, {"offset", message.position.offset}});
  } catch (const std::exception& error) {
    publication_failed(message, error.what());
  } catch (...) {
    publication_failed(message, "unknown exception");
  }
  --assignment.running;
}

// The processor gives every request an outcome; should anything escape it
// all the same, the message still gets a failed result and a poison message
// instead of blocking its partition forever.
Outcome MessageGuard::process_safely(const ConsumedMessage& message, const Interruption& interruption) {
  try {
    return process_(message.payload, message.incoming, message.position, interruption);
  } catch (const Abandoned&) {
    throw;
  } catch (const std::exception& error) {
    return unexpected(message, error.what());
  } catch (...) {
    return unexpected(message, "unknown exception");
  }
}

Outcome MessageGuard::unexpected(const ConsumedMessage& message, const std::string& what) {
  const core::RequestIdentity& who = message.incoming.who;
  const std::string text = "Mask generation failed: " + what;
  process_log_.error("unexpected_error", text, {{"user_id", who.user_id}, {"request_id", who.request_id}});
  return failed_outcome(FailureKind::kInternal, who, text, message.payload, 0);
}

// Publishing failed in a way nothing foresaw: the offset moves on rather
// than blocking the partition, and the loss is logged and counted.
void MessageGuard::publication_failed(const ConsumedMessage& message, const char* what) noexcept {
  publisher_.count_dropped();
  publish_log_.log(spdlog::level::critical, "outcome_dropped", std::string("outcome could not be published: ") + what,
                   {{"partition", message.partition.second},
                    {"offset", message.position.offset},
                    {"dropped_publications", publisher_.dropped()}});
  finish(message);
}

void MessageGuard::finish(const ConsumedMessage& message) noexcept {
  if (!finished_.add({message.partition, message.position.offset, message.assignment})) {
    stop_.fail(core::ExitCode::kFatal);  // out of memory: stop rather than lose track of an offset
  }
}

}  // namespace mc::service

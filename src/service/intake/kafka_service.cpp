#include "service/intake/kafka_service.hpp"

#include "service/intake/consume_loop.hpp"
#include "service/intake/kafka_events.hpp"
#include "service/intake/message_guard.hpp"
#include "service/intake/result_publisher.hpp"

namespace mc::service {

namespace {

// How long a stopping service may overrun SHUTDOWN_GRACE_SECONDS: enough for
// the final commit, the producer flush and leaving the group.
constexpr std::chrono::seconds kShutdownMargin{10};

}  // namespace

// Declared in the order they must be made: each part outlives those that
// use it (librdkafka's clients call back into the events while they close).
class KafkaService::Parts {
 public:
  Parts(const ServiceSettings& settings, RequestProcessor& processor, RetryPolicy& retry, DependencyWaits& waits,
        spdlog::logger& log, StopState& stop, ServiceMetrics& metrics, HealthState& health)
      : events(log, stop, metrics, settings.retry.permanent_error_attempts),
        publisher(settings, retry, waits, stop, metrics, health, log, events),
        guard(
            [&processor](const std::string& payload, const core::IncomingMessage& incoming,
                         const core::MessagePosition& position, const Interruption& interruption) {
              return processor.process(payload, incoming, position, interruption);
            },
            publisher, finished, stop, metrics, log),
        loop(settings, guard, finished, waits, publisher, events, stop, metrics, health, log) {}

  KafkaEvents events;
  ResultPublisher publisher;
  FinishedOffsets finished;
  MessageGuard guard;
  ConsumeLoop loop;
};

KafkaService::KafkaService(const ServiceSettings& settings, RequestProcessor& processor, RetryPolicy& retry,
                           DependencyWaits& waits, spdlog::logger& log, StopState& stop, ServiceMetrics& metrics,
                           HealthState& health)
    : parts_(std::make_unique<Parts>(settings, processor, retry, waits, log, stop, metrics, health)) {}

KafkaService::~KafkaService() = default;

void KafkaService::run() { parts_->loop.run(); }

std::chrono::seconds shutdown_margin() { return kShutdownMargin; }

}  // namespace mc::service

#include "service/result_publisher.hpp"

#include <future>

#include "adapters/kafka_config.hpp"
#include "core/errors.hpp"
#include "service/json_log.hpp"

namespace mc::service {

namespace {

std::string wire(const nlohmann::json& message) {
  return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool too_large(RdKafka::ErrorCode code) {
  return code == RdKafka::ERR_MSG_SIZE_TOO_LARGE || code == RdKafka::ERR_RECORD_LIST_TOO_LARGE ||
         code == RdKafka::ERR_INVALID_RECORD;
}

using Acknowledgement = std::shared_ptr<std::promise<RdKafka::ErrorCode>>;

}  // namespace

// Resolves the promise a produce() call carried as its opaque (a heap
// shared_ptr, released here).
class ResultPublisher::DeliveryReports : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    auto* holder = static_cast<Acknowledgement*>(message.msg_opaque());
    if (holder == nullptr) return;
    try {
      (*holder)->set_value(message.err());
    } catch (...) {
      // A promise is set once; nothing may unwind into librdkafka.
    }
    delete holder;
  }
};

ResultPublisher::ResultPublisher(const ServiceSettings& settings, RetryPolicy& retry, StopState& stop,
                                 ServiceMetrics& metrics, HealthState& health, spdlog::logger& log,
                                 RdKafka::EventCb& events)
    : settings_(settings),
      retry_(retry),
      stop_(stop),
      metrics_(metrics),
      health_(health),
      log_(log),
      deliveries_(std::make_unique<DeliveryReports>()) {
  auto conf = adapters::kafka_client_conf(settings.kafka);
  adapters::set_kafka_property(*conf, "enable.idempotence", "true");
  adapters::set_kafka_property(*conf, "acks", "all");
  adapters::set_kafka_property(*conf, "linger.ms", "5");
  std::string error;
  conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(deliveries_.get()), error);
  conf->set("event_cb", &events, error);
  producer_.reset(RdKafka::Producer::create(conf.get(), error));
  if (!producer_) throw core::SetupError("Kafka producer: " + error);
  poller_ = std::thread([this] {
    while (!done_.load()) producer_->poll(50);
  });
}

ResultPublisher::~ResultPublisher() {
  done_ = true;
  poller_.join();
}

void ResultPublisher::flush(std::chrono::milliseconds timeout) { producer_->flush(static_cast<int>(timeout.count())); }

void ResultPublisher::deliver(const Outcome& outcome) {
  if (!publish(settings_.kafka.output_topic, outcome.key, wire(outcome.result))) {
    drop("result", settings_.kafka.output_topic);
  }
  if (!outcome.poison) return;
  if (publish(settings_.kafka.poison_topic, outcome.key, wire(outcome.poison->message()))) {
    metrics_.poison_published();
    return;
  }
  // Too large for the broker: once more with the original message cut.
  log_json(log_, spdlog::level::warn, "poison message too large; sending it with original_message truncated",
           {{"stage", "publish"},
            {"event", "poison_truncated"},
            {"original_bytes", outcome.poison->original.size()},
            {"limit", settings_.poison_original_max_bytes}});
  if (publish(settings_.kafka.poison_topic, outcome.key,
              wire(outcome.poison->message(settings_.poison_original_max_bytes)))) {
    metrics_.poison_published();
  } else {
    drop("poison message", settings_.kafka.poison_topic);
  }
}

void ResultPublisher::count_dropped() {
  ++dropped_;
  metrics_.publication_dropped();
}

void ResultPublisher::drop(const char* what, const std::string& topic) {
  count_dropped();
  log_json(log_, spdlog::level::err, std::string(what) + " too large for the broker; dropped",
           {{"stage", "publish"},
            {"event", "publication_dropped"},
            {"topic", topic},
            {"dropped_publications", dropped_.load()}});
}

void ResultPublisher::publish_failed(const std::string& topic, const std::string& reason) {
  const std::lock_guard lock(failing_mutex_);
  auto [found, added] = failing_.try_emplace(topic, reason);
  if (added || found->second != reason) {
    found->second = reason;
    log_json(log_, spdlog::level::err, "publishing to " + topic + " failed: " + reason + "; retrying until it passes",
             {{"stage", "publish"}, {"event", "dependency_unavailable"}, {"topic", topic}});
  }
  health_.set_publishing_failed(true);
  metrics_.set_kafka_publishing(false);
}

void ResultPublisher::publish_succeeded(const std::string& topic) {
  const std::lock_guard lock(failing_mutex_);
  if (failing_.erase(topic) == 0) return;
  log_json(log_, spdlog::level::info, "publishing to " + topic + " works again",
           {{"stage", "publish"}, {"event", "dependency_recovered"}, {"topic", topic}});
  if (failing_.empty()) {
    health_.set_publishing_failed(false);
    metrics_.set_kafka_publishing(true);
  }
}

// The promise is shared with the delivery callback, so giving up at shutdown
// leaves nothing dangling.
bool ResultPublisher::publish(const std::string& topic, const std::string& key, const std::string& payload) {
  auto waiting = retry_.infrastructure_wait();
  const Interruption interruption = Interruption::for_request(stop_);
  for (int attempt = 0;; ++attempt) {
    auto delivered = std::make_shared<std::promise<RdKafka::ErrorCode>>();
    auto acknowledged = delivered->get_future();
    RdKafka::ErrorCode code;
    do {
      auto* holder = new Acknowledgement(delivered);
      code = producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                const_cast<char*>(payload.data()), payload.size(), key.data(), key.size(), 0, holder);
      if (code != RdKafka::ERR_NO_ERROR) delete holder;  // not queued: no callback will come
      if (code == RdKafka::ERR__QUEUE_FULL) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (code == RdKafka::ERR__QUEUE_FULL && !interruption.due());
    if (code == RdKafka::ERR_NO_ERROR) {
      while (acknowledged.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
        interruption.check();
      }
      code = acknowledged.get();
    }
    if (code == RdKafka::ERR_NO_ERROR) {
      publish_succeeded(topic);
      return true;
    }
    if (too_large(code)) return false;
    if (code == RdKafka::ERR__FATAL) {
      std::string reason;
      producer_->fatal_error(reason);
      log_json(log_, spdlog::level::critical, "fatal producer error: " + reason,
               {{"stage", "publish"}, {"event", "kafka_fatal"}, {"topic", topic}});
      stop_.fail(core::ExitCode::kFatal);
      throw Abandoned();
    }
    waiting.start();
    retry_.count_retry("publish", true);
    publish_failed(topic, RdKafka::err2str(code));
    RetryPolicy::sleep(retry_.backoff(attempt), interruption);
  }
}

}  // namespace mc::service

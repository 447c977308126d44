#include "service/intake/result_publisher.hpp"

#include <future>

#include "adapters/kafka_config.hpp"
#include "core/errors.hpp"
#include "service/operations/json_log.hpp"

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

// librdkafka reports a topic the broker lacks two ways in turn: the broker's
// answer in a delivery report, then its own cached verdict from produce().
// One reason, so that it is logged once, not at every retry.
std::string failure_reason(RdKafka::ErrorCode code) {
  if (code == RdKafka::ERR__UNKNOWN_TOPIC || code == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) {
    return "the topic does not exist (" + RdKafka::err2str(RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) + ")";
  }
  return RdKafka::err2str(code);
}

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

ResultPublisher::ResultPublisher(const ServiceSettings& settings, RetryPolicy& retry, DependencyWaits& waits,
                                 StopState& stop, ServiceMetrics& metrics, HealthState& health, spdlog::logger& log,
                                 RdKafka::EventCb& events)
    : settings_(settings),
      retry_(retry),
      waits_(waits),
      stop_(stop),
      metrics_(metrics),
      health_(health),
      log_(log, "publish"),
      deliveries_(std::make_unique<DeliveryReports>()) {
  auto conf = adapters::kafka_producer_conf(settings.kafka);
  adapters::set_kafka_callback(*conf, "dr_cb", static_cast<RdKafka::DeliveryReportCb*>(deliveries_.get()));
  adapters::set_kafka_callback(*conf, "event_cb", &events);
  std::string error;
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

std::optional<std::vector<std::string>> ResultPublisher::unusable_topics(std::chrono::milliseconds timeout) {
  std::vector<std::string> unusable;
  for (const std::string& name : {settings_.kafka.output_topic, settings_.kafka.poison_topic}) {
    std::string error;
    const std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(producer_.get(), name, nullptr, error));
    if (!topic) throw core::SetupError("Kafka topic " + name + ": " + error);
    // One topic per request: the producer's request for a named topic is
    // the one a broker that auto-creates topics acts on.
    RdKafka::Metadata* answer = nullptr;
    const RdKafka::ErrorCode code = producer_->metadata(false, topic.get(), &answer, static_cast<int>(timeout.count()));
    const std::unique_ptr<RdKafka::Metadata> metadata(answer);
    if (code != RdKafka::ERR_NO_ERROR || !metadata) return std::nullopt;
    std::string why = name + " is not in the brokers' answer";
    for (const RdKafka::TopicMetadata* found : *metadata->topics()) {
      if (found->topic() != name) continue;
      const RdKafka::ErrorCode topic_error = found->err();
      // A leader being elected (a topic just created) heals by itself;
      // publishing retries it.
      if (topic_error == RdKafka::ERR_NO_ERROR || topic_error == RdKafka::ERR_LEADER_NOT_AVAILABLE) {
        why.clear();
      } else if (topic_error == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) {
        why = name + " does not exist";
      } else if (topic_error == RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED) {
        why = name + " may not be described by us (topic authorisation failed)";
      } else {
        why = name + ": " + RdKafka::err2str(topic_error);
      }
    }
    if (!why.empty()) unusable.push_back(why);
  }
  return unusable;
}

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
  log_.warn("poison_truncated", "poison message too large; sending it with original_message truncated",
            {{"original_bytes", outcome.poison->original.size()}, {"limit", settings_.poison_original_max_bytes}});
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
  log_.error("publication_dropped", std::string(what) + " too large for the broker; dropped",
             {{"topic", topic}, {"dropped_publications", dropped_.load()}});
}

void ResultPublisher::publish_failed(const std::string& topic, const std::string& reason) {
  const std::lock_guard lock(failing_mutex_);
  auto [found, added] = failing_.try_emplace(topic, reason);
  if (added || found->second != reason) {
    found->second = reason;
    log_.error("dependency_unavailable", "publishing to " + topic + " failed: " + reason + "; retrying until it passes",
               {{"topic", topic}});
  }
  health_.set_publishing_failed(true);
  metrics_.set_kafka_publishing(false);
}

void ResultPublisher::publish_succeeded(const std::string& topic) {
  const std::lock_guard lock(failing_mutex_);
  if (failing_.erase(topic) == 0) return;
  log_.info("dependency_recovered", "publishing to " + topic + " works again", {{"topic", topic}});
  if (failing_.empty()) {
    health_.set_publishing_failed(false);
    metrics_.set_kafka_publishing(true);
  }
}

// The promise is shared with the delivery callback, so giving up at shutdown
// leaves nothing dangling.
bool ResultPublisher::publish(const std::string& topic, const std::string& key, const std::string& payload) {
  auto waiting = waits_.waiting();
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
      log_.log(spdlog::level::critical, "kafka_fatal", "fatal producer error: " + reason, {{"topic", topic}});
      stop_.fail(core::ExitCode::kFatal);
      throw Abandoned();
    }
    waiting.start();
    retry_.count_retry("publish", true);
    publish_failed(topic, failure_reason(code));
    RetryPolicy::sleep(retry_.backoff(attempt), interruption);
  }
}

}  // namespace mc::service

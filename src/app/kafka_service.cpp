#include "app/kafka_service.hpp"

#include <future>
#include <thread>

#include <librdkafka/rdkafkacpp.h>

#include "app/json_log.hpp"
#include "app/kafka_config.hpp"
#include "app/user_ordered_executor.hpp"
#include "core/errors.hpp"
#include "core/mask_request.hpp"
#include "core/offset_tracker.hpp"
#include "core/result_messages.hpp"

namespace mc::app {

namespace {

using Partition = core::OffsetTracker::Partition;

// librdkafka's own log lines and errors, as JSON lines.
class KafkaEvents : public RdKafka::EventCb {
 public:
  explicit KafkaEvents(spdlog::logger& log) : log_(log) {}
  void event_cb(RdKafka::Event& event) override {
    if (event.type() == RdKafka::Event::EVENT_ERROR) {
      log_json(log_, spdlog::level::warn, event.str(),
               {{"stage", "kafka"}, {"event", "kafka_error"}, {"code", RdKafka::err2str(event.err())}});
    } else if (event.type() == RdKafka::Event::EVENT_LOG && event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
      log_json(log_, spdlog::level::warn, event.str(), {{"stage", "kafka"}, {"event", "kafka_log"}});
    }
  }

 private:
  spdlog::logger& log_;
};

// Resolves the promise a produce() call carried as its opaque (a heap
// shared_ptr, released here).
class DeliveryReports : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    auto* holder = static_cast<std::shared_ptr<std::promise<RdKafka::ErrorCode>>*>(message.msg_opaque());
    if (holder == nullptr) return;
    (*holder)->set_value(message.err());
    delete holder;
  }
};

}  // namespace

class KafkaService::Impl : public RdKafka::RebalanceCb {
 public:
  Impl(const ServiceSettings& settings, RequestProcessor& processor, spdlog::logger& log, StopState& stop)
      : settings_(settings), processor_(processor), log_(log), stop_(stop), events_(log) {
    std::string error;
    auto producer_conf = kafka_client_conf(settings.kafka);
    set_kafka_property(*producer_conf, "enable.idempotence", "true");
    set_kafka_property(*producer_conf, "acks", "all");
    set_kafka_property(*producer_conf, "linger.ms", "5");
    std::string conf_error;
    producer_conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(&deliveries_), conf_error);
    producer_conf->set("event_cb", static_cast<RdKafka::EventCb*>(&events_), conf_error);
    producer_.reset(RdKafka::Producer::create(producer_conf.get(), error));
    if (!producer_) throw core::SetupError("Kafka producer: " + error);

    auto consumer_conf = kafka_client_conf(settings.kafka);
    set_kafka_property(*consumer_conf, "group.id", settings.kafka.consumer_group);
    set_kafka_property(*consumer_conf, "auto.offset.reset", "earliest");
    set_kafka_property(*consumer_conf, "partition.assignment.strategy", "cooperative-sticky");
    set_kafka_property(*consumer_conf, "enable.auto.offset.store", "false");
    set_kafka_property(*consumer_conf, "enable.auto.commit", "true");
    set_kafka_property(*consumer_conf, "auto.commit.interval.ms", "1000");
    consumer_conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), conf_error);
    consumer_conf->set("event_cb", static_cast<RdKafka::EventCb*>(&events_), conf_error);
    consumer_.reset(RdKafka::KafkaConsumer::create(consumer_conf.get(), error));
    if (!consumer_) throw core::SetupError("Kafka consumer: " + error);
  }

  ~Impl() override = default;

  void run() {
    const RdKafka::ErrorCode subscribed = consumer_->subscribe({settings_.kafka.input_topic});
    if (subscribed != RdKafka::ERR_NO_ERROR) {
      throw core::SetupError("Kafka subscribe to " + settings_.kafka.input_topic + ": " + RdKafka::err2str(subscribed));
    }
    std::thread producer_poller([this] {
      while (!producer_done_.load()) producer_->poll(50);
    });
    {
      UserOrderedExecutor workers(settings_.concurrency);
      log_json(log_, spdlog::level::info, "consuming",
               {{"stage", "service"}, {"event", "started"}, {"topic", settings_.kafka.input_topic},
                {"group", settings_.kafka.consumer_group}, {"concurrency", settings_.concurrency}});
      while (!stop_.stopping.load()) {
        std::unique_ptr<RdKafka::Message> message(consumer_->consume(100));
        handle(*message, workers);
        settle();
      }
      stop_.deadline_ns = (std::chrono::steady_clock::now() + settings_.shutdown_grace).time_since_epoch().count();
      log_json(log_, spdlog::level::info, "stopping: no new work, finishing what is in flight",
               {{"stage", "service"}, {"event", "stopping"}, {"in_flight", tracker_.in_flight()}});
      set_paused(true);
      while (tracker_.in_flight() > 0 && !stop_.past_deadline()) {
        std::unique_ptr<RdKafka::Message> message(consumer_->consume(100));  // keeps the group alive
        settle();
      }
      settle();
      store_and_commit();
      // The executor's destructor waits for running tasks; past the deadline
      // they abandon at their next step and leave their offsets unstored.
    }
    producer_->flush(10000);
    producer_done_ = true;
    producer_poller.join();
    consumer_->close();
    log_json(log_, spdlog::level::info, "stopped",
             {{"stage", "service"}, {"event", "stopped"}, {"unfinished", tracker_.in_flight()}});
  }

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode code,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (code == RdKafka::ERR__ASSIGN_PARTITIONS) {
      std::unique_ptr<RdKafka::Error> error(consumer->incremental_assign(partitions));
      if (paused_) consumer->pause(partitions);
      log_json(log_, spdlog::level::info, "partitions assigned",
               {{"stage", "kafka"}, {"event", "assigned"}, {"count", partitions.size()}});
    } else {
      // Commit what is finished; unfinished work of these partitions will be
      // consumed again by their next owner.
      settle();
      for (auto* partition : partitions) tracker_.forget({partition->topic(), partition->partition()});
      consumer->commitSync();
      std::unique_ptr<RdKafka::Error> error(consumer->incremental_unassign(partitions));
      log_json(log_, spdlog::level::info, "partitions revoked",
               {{"stage", "kafka"}, {"event", "revoked"}, {"count", partitions.size()}});
    }
  }

 private:
  void handle(RdKafka::Message& message, UserOrderedExecutor& workers) {
    if (message.err() == RdKafka::ERR__TIMED_OUT || message.err() == RdKafka::ERR__PARTITION_EOF) return;
    if (message.err() != RdKafka::ERR_NO_ERROR) {
      log_json(log_, spdlog::level::warn, message.errstr(), {{"stage", "kafka"}, {"event", "consume_error"}});
      return;
    }
    const Partition partition{message.topic_name(), message.partition()};
    const std::int64_t offset = message.offset();
    tracker_.started(partition, offset);
    std::string payload(static_cast<const char*>(message.payload()), message.len());
    const std::string key = message.key() != nullptr ? *message.key() : core::identify_request(payload).user_id;
    workers.submit(key, [this, partition, offset, payload = std::move(payload)] {
      try {
        if (stop_.past_deadline()) throw Abandoned();
        deliver(process_safely(payload));
        const std::lock_guard lock(finished_mutex_);
        finished_.emplace_back(partition, offset);
      } catch (const Abandoned&) {
        log_json(log_, spdlog::level::warn, "unfinished at shutdown; it will be delivered again",
                 {{"stage", "service"}, {"event", "abandoned"}, {"partition", partition.second}, {"offset", offset}});
      }
    });
  }

  // The processor gives every request an outcome; should anything escape it
  // all the same (a bug, memory exhaustion), the message still gets a failed
  // result and a poison message instead of blocking its partition forever.
  Outcome process_safely(const std::string& payload) {
    try {
      return processor_.process(payload);
    } catch (const Abandoned&) {
      throw;
    } catch (const std::exception& error) {
      const core::RequestIdentity who = core::identify_request(payload);
      const std::string text = std::string("Mask generation failed: ") + error.what();
      log_json(log_, spdlog::level::err, text,
               {{"stage", "process"}, {"event", "unexpected_error"}, {"user_id", who.user_id},
                {"request_id", who.request_id}});
      const std::string at = core::iso8601_utc(std::chrono::system_clock::now());
      return Outcome{who.user_id, core::failed_result(who, text, at), core::poison_message(who, text, payload, 0, at)};
    }
  }

  void deliver(const Outcome& outcome) {
    publish(settings_.kafka.output_topic, outcome.key, outcome.result.dump());
    if (outcome.poison) publish(settings_.kafka.poison_topic, outcome.key, outcome.poison->dump());
  }

  // Publishes and waits for the broker's acknowledgement, retrying until it
  // comes (a broker outage is infrastructure: never a failed result). The
  // promise is shared with the delivery callback, so giving up at shutdown
  // leaves nothing dangling.
  void publish(const std::string& topic, const std::string& key, const std::string& payload) {
    for (int attempt = 0;; ++attempt) {
      auto delivered = std::make_shared<std::promise<RdKafka::ErrorCode>>();
      auto acknowledged = delivered->get_future();
      RdKafka::ErrorCode code;
      do {
        auto* holder = new std::shared_ptr<std::promise<RdKafka::ErrorCode>>(delivered);
        code = producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                  const_cast<char*>(payload.data()), payload.size(), key.data(), key.size(), 0,
                                  holder);
        if (code != RdKafka::ERR_NO_ERROR) delete holder;  // not queued: no callback will come
        if (code == RdKafka::ERR__QUEUE_FULL) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      } while (code == RdKafka::ERR__QUEUE_FULL);
      if (code == RdKafka::ERR_NO_ERROR) {
        while (acknowledged.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
          if (stop_.past_deadline()) throw Abandoned();
        }
        code = acknowledged.get();
      }
      if (code == RdKafka::ERR_NO_ERROR) return;
      log_json(log_, spdlog::level::err, "publishing failed: " + RdKafka::err2str(code),
               {{"stage", "publish"}, {"event", "dependency_unavailable"}, {"topic", topic}, {"attempt", attempt + 1}});
      processor_.sleep_unless_abandoned(processor_.backoff(attempt));
    }
  }

  // Moves finished offsets into the tracker, stores what became committable,
  // and pauses or resumes intake.
  void settle() {
    std::vector<std::pair<Partition, std::int64_t>> finished;
    {
      const std::lock_guard lock(finished_mutex_);
      finished.swap(finished_);
    }
    for (const auto& [partition, offset] : finished) tracker_.finished(partition, offset);
    std::vector<RdKafka::TopicPartition*> stored;
    for (const auto& partition : tracker_.partitions()) {
      if (const auto offset = tracker_.take_committable(partition)) {
        stored.push_back(RdKafka::TopicPartition::create(partition.first, partition.second, *offset));
      }
    }
    if (!stored.empty()) consumer_->offsets_store(stored);
    RdKafka::TopicPartition::destroy(stored);

    const bool busy = tracker_.in_flight() >= static_cast<std::size_t>(settings_.concurrency) ||
                      processor_.infrastructure_waits() > 0;
    if (busy && !paused_) {
      set_paused(true);
    } else if (!busy && paused_ && !stop_.stopping.load()) {
      set_paused(false);
    }
  }

  // Pauses or resumes the whole assignment (consume() keeps the group alive).
  void set_paused(bool paused) {
    std::vector<RdKafka::TopicPartition*> assignment;
    consumer_->assignment(assignment);
    if (paused) {
      consumer_->pause(assignment);
    } else {
      consumer_->resume(assignment);
    }
    RdKafka::TopicPartition::destroy(assignment);
    paused_ = paused;
  }

  void store_and_commit() {
    const RdKafka::ErrorCode code = consumer_->commitSync();
    if (code != RdKafka::ERR_NO_ERROR && code != RdKafka::ERR__NO_OFFSET) {
      log_json(log_, spdlog::level::warn, "final commit failed: " + RdKafka::err2str(code),
               {{"stage", "kafka"}, {"event", "commit_failed"}});
    }
  }

  const ServiceSettings& settings_;
  RequestProcessor& processor_;
  spdlog::logger& log_;
  StopState& stop_;
  KafkaEvents events_;
  DeliveryReports deliveries_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::atomic<bool> producer_done_{false};
  core::OffsetTracker tracker_;  // consume thread only
  bool paused_ = false;
  std::mutex finished_mutex_;
  std::vector<std::pair<Partition, std::int64_t>> finished_;
};

KafkaService::KafkaService(const ServiceSettings& settings, RequestProcessor& processor, spdlog::logger& log,
                           StopState& stop)
    : impl_(std::make_unique<Impl>(settings, processor, log, stop)) {}

KafkaService::~KafkaService() = default;

void KafkaService::run() { impl_->run(); }

}  // namespace mc::app

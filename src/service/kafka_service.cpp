#include "service/kafka_service.hpp"

#include <future>
#include <thread>

#include <librdkafka/rdkafkacpp.h>

#include "service/json_log.hpp"
#include "adapters/kafka_config.hpp"
#include "adapters/kafka_statistics.hpp"
#include "service/user_ordered_executor.hpp"
#include "core/errors.hpp"
#include "core/mask_request.hpp"
#include "service/offset_tracker.hpp"
#include "core/result_messages.hpp"

namespace mc::service {

using adapters::kafka_client_conf;
using adapters::set_kafka_property;

namespace {

using Partition = OffsetTracker::Partition;

// Requests that are not JSON objects with a user_id share one lane: they
// fail quickly and need no order among themselves.
const std::string kUnidentifiedLane = "\x01unidentified";

// How long a stopping service may overrun SHUTDOWN_GRACE_SECONDS: enough for
// the final commit, the producer flush and leaving the group.
constexpr std::chrono::seconds kShutdownMargin{10};

std::string wire(const nlohmann::json& message) {
  return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// How often librdkafka reports its statistics (consumer lag, broker states).
constexpr const char* kStatisticsIntervalMs = "5000";

// librdkafka's own log lines and errors, as JSON lines, and its statistics,
// as metrics. A fatal error (the idempotent producer or the consumer can no
// longer keep its guarantees) stops the service with a non-zero exit, so
// that it is restarted.
class KafkaEvents : public RdKafka::EventCb {
 public:
  KafkaEvents(spdlog::logger& log, StopState& stop, ServiceMetrics& metrics)
      : log_(log), stop_(stop), metrics_(metrics) {}
  void event_cb(RdKafka::Event& event) override {
    try {
      report(event);
    } catch (...) {
      // Nothing may unwind into librdkafka's C frames.
    }
  }

 private:
  void report(RdKafka::Event& event) {
    if (event.type() == RdKafka::Event::EVENT_STATS) {
      const adapters::KafkaStatistics statistics = adapters::parse_kafka_statistics(event.str());
      metrics_.set_consumer_lags(statistics.consumer_lags);
      metrics_.set_dependency_up(Dependency::kKafka, statistics.brokers_up > 0);
      return;
    }
    if (event.type() == RdKafka::Event::EVENT_ERROR && event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) {
      metrics_.set_dependency_up(Dependency::kKafka, false);
    }
    if (event.type() == RdKafka::Event::EVENT_ERROR) {
      if (event.fatal()) {
        log_json(log_, spdlog::level::critical, "fatal Kafka error: " + event.str(),
                 {{"stage", "kafka"}, {"event", "kafka_fatal"}, {"code", RdKafka::err2str(event.err())}});
        stop_.fail(1);
        return;
      }
      log_json(log_, spdlog::level::warn, event.str(),
               {{"stage", "kafka"}, {"event", "kafka_error"}, {"code", RdKafka::err2str(event.err())}});
    } else if (event.type() == RdKafka::Event::EVENT_LOG &&
               event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
      log_json(log_, spdlog::level::warn, event.str(), {{"stage", "kafka"}, {"event", "kafka_log"}});
    }
  }

  spdlog::logger& log_;
  StopState& stop_;
  ServiceMetrics& metrics_;
};

// Resolves the promise a produce() call carried as its opaque (a heap
// shared_ptr, released here).
class DeliveryReports : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    auto* holder = static_cast<std::shared_ptr<std::promise<RdKafka::ErrorCode>>*>(message.msg_opaque());
    if (holder == nullptr) return;
    try {
      (*holder)->set_value(message.err());
    } catch (...) {
      // A promise is set once; nothing may unwind into librdkafka.
    }
    delete holder;
  }
};

// Serves the producer's delivery reports until it goes out of scope.
class ProducerPoller {
 public:
  explicit ProducerPoller(RdKafka::Producer& producer)
      : thread_([this, &producer] {
          while (!done_.load()) producer.poll(50);
        }) {}
  ~ProducerPoller() {
    done_ = true;
    thread_.join();
  }
  ProducerPoller(const ProducerPoller&) = delete;
  ProducerPoller& operator=(const ProducerPoller&) = delete;

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

bool too_large(RdKafka::ErrorCode code) {
  return code == RdKafka::ERR_MSG_SIZE_TOO_LARGE || code == RdKafka::ERR_RECORD_LIST_TOO_LARGE ||
         code == RdKafka::ERR_INVALID_RECORD;
}

// One assignment of one partition. Work consumed under it checks it: once
// revoked, queued work is dropped, running work stops at its next step, and
// nothing it finishes counts for a later assignment of the same partition.
struct PartitionLease {
  std::atomic<bool> revoked{false};
  std::atomic<int> running{0};
};

}  // namespace

class KafkaService::Impl : public RdKafka::RebalanceCb {
 public:
  Impl(const ServiceSettings& settings, RequestProcessor& processor, RetryPolicy& retry, spdlog::logger& log,
       StopState& stop, ServiceMetrics& metrics, HealthState& health)
      : settings_(settings),
        processor_(processor),
        retry_(retry),
        log_(log),
        stop_(stop),
        metrics_(metrics),
        health_(health),
        events_(log, stop, metrics) {
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
    // Eager range/roundrobin (librdkafka's and kafka-python's default, so
    // Python and C++ instances can share a group while migrating), not
    // cooperative-sticky: Debian's librdkafka 2.0.2 aborts in
    // rd_kafka_destroy() when a cooperative-sticky member closes between
    // joining and its first assignment (librdkafka issue 4312, fixed in 2.3).
    // The rebalance callback serves either protocol.
    set_kafka_property(*consumer_conf, "partition.assignment.strategy", "range,roundrobin");
    set_kafka_property(*consumer_conf, "enable.auto.offset.store", "false");
    set_kafka_property(*consumer_conf, "enable.auto.commit", "true");
    set_kafka_property(*consumer_conf, "auto.commit.interval.ms", "1000");
    // How soon the group notices a member that died without leaving.
    set_kafka_property(*consumer_conf, "session.timeout.ms", std::to_string(settings.kafka.session_timeout_ms));
    set_kafka_property(*consumer_conf, "statistics.interval.ms", kStatisticsIntervalMs);
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
    ProducerPoller poller(*producer_);
    auto workers = std::make_unique<UserOrderedExecutor>(settings_.concurrency);
    log_json(log_, spdlog::level::info, "consuming",
             {{"stage", "service"},
              {"event", "started"},
              {"topic", settings_.kafka.input_topic},
              {"group", settings_.kafka.consumer_group},
              {"concurrency", settings_.concurrency}});
    while (!stop_.stopping.load()) {
      try {
        std::unique_ptr<RdKafka::Message> message(consumer_->consume(100));
        health_.loop_polled(HealthState::Clock::now());
        handle(*message, *workers);
        settle();
      } catch (const std::exception& error) {
        // Out of memory or a bug in the loop itself: carrying on could store
        // an offset past a message that never got an outcome. Stop; the
        // unfinished messages are delivered again.
        log_json(log_, spdlog::level::critical, std::string("consume loop failed: ") + error.what(),
                 {{"stage", "service"}, {"event", "loop_failed"}});
        stop_.fail(1);
      }
    }
    health_.set_shutting_down();
    stop_.deadline_ns = (std::chrono::steady_clock::now() + settings_.shutdown_grace).time_since_epoch().count();
    log_json(log_, spdlog::level::info, "stopping: no new work, finishing what is in flight",
             {{"stage", "service"}, {"event", "stopping"}, {"in_flight", active_.load()}});
    set_paused(true);
    while (active_.load() > 0 && !stop_.past_deadline()) {
      std::unique_ptr<RdKafka::Message> message(consumer_->consume(100));  // keeps the group alive
      health_.loop_polled(HealthState::Clock::now());
      settle();
    }
    settle();
    commit();
    // What is still unfinished is left for redelivery: queued work is dropped,
    // running work abandons at its next step. The group is left before
    // waiting for it, so that the partitions move on at once.
    for (auto& [partition, lease] : leases_) lease->revoked = true;
    consumer_->close();
    workers.reset();
    producer_->flush(10000);
    log_json(log_, spdlog::level::info, "stopped",
             {{"stage", "service"},
              {"event", "stopped"},
              {"unfinished", tracker_.in_flight()},
              {"dropped_publications", dropped_publications_.load()}});
  }

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode code,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    try {
      if (code == RdKafka::ERR__ASSIGN_PARTITIONS) {
        assign(*consumer, partitions);
      } else {
        revoke(*consumer, partitions);
      }
    } catch (const std::exception& error) {
      log_json(log_, spdlog::level::critical, std::string("rebalance failed: ") + error.what(),
               {{"stage", "kafka"}, {"event", "rebalance_failed"}});
      stop_.fail(1);
    }
  }

 private:
  // Applies a rebalance under whichever protocol the group agreed on: the
  // cooperative one hands over changes, the eager one whole assignments
  // (a revoke always names everything held). Returns the error, or "".
  static std::string change_assignment(RdKafka::KafkaConsumer& consumer,
                                       const std::vector<RdKafka::TopicPartition*>& partitions, bool add) {
    if (consumer.rebalance_protocol() == "COOPERATIVE") {
      const std::unique_ptr<RdKafka::Error> error(add ? consumer.incremental_assign(partitions)
                                                      : consumer.incremental_unassign(partitions));
      return error ? error->str() : "";
    }
    const RdKafka::ErrorCode code = add ? consumer.assign(partitions) : consumer.unassign();
    return code == RdKafka::ERR_NO_ERROR ? "" : RdKafka::err2str(code);
  }

  void assign(RdKafka::KafkaConsumer& consumer, std::vector<RdKafka::TopicPartition*>& partitions) {
    const std::string error = change_assignment(consumer, partitions, true);
    if (!error.empty()) {
      // This member may own partitions it does not fetch: restart clean.
      log_json(log_, spdlog::level::critical, "assigning partitions failed: " + error,
               {{"stage", "kafka"}, {"event", "assign_failed"}});
      stop_.fail(1);
      return;
    }
    for (auto* partition : partitions) {
      leases_[{partition->topic(), partition->partition()}] = std::make_shared<PartitionLease>();
    }
    // librdkafka keeps a partition's pause flag across a revoke and a later
    // assign: set it to match intake either way.
    const RdKafka::ErrorCode flow = paused_ ? consumer.pause(partitions) : consumer.resume(partitions);
    if (flow != RdKafka::ERR_NO_ERROR) {
      log_json(log_, spdlog::level::warn, "pausing or resuming new partitions failed: " + RdKafka::err2str(flow),
               {{"stage", "kafka"}, {"event", "flow_control_failed"}});
    }
    health_.set_group_joined(true);
    log_json(log_, spdlog::level::info, "partitions assigned",
             {{"stage", "kafka"}, {"event", "assigned"}, {"count", partitions.size()}, {"paused", paused_}});
  }

  // Drops the partitions' queued work, waits (REBALANCE_WAIT_SECONDS at most)
  // for their running work, commits what finished, and lets them go.
  void revoke(RdKafka::KafkaConsumer& consumer, std::vector<RdKafka::TopicPartition*>& partitions) {
    health_.set_group_joined(false);
    std::vector<std::shared_ptr<PartitionLease>> revoked;
    for (auto* partition : partitions) {
      const auto found = leases_.find({partition->topic(), partition->partition()});
      if (found == leases_.end()) continue;
      found->second->revoked = true;
      revoked.push_back(found->second);
    }
    const auto deadline = std::chrono::steady_clock::now() + settings_.rebalance_wait;
    auto running = [&] {
      int count = 0;
      for (const auto& lease : revoked) count += lease->running.load();
      return count;
    };
    while (running() > 0 && std::chrono::steady_clock::now() < deadline && !stop_.stopping.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const int unfinished = running();
    const bool lost = consumer.assignment_lost();
    settle();
    if (!lost) commit();
    for (auto* partition : partitions) {
      const Partition key{partition->topic(), partition->partition()};
      tracker_.forget(key);
      leases_.erase(key);
    }
    const std::string error = change_assignment(consumer, partitions, false);
    if (!error.empty()) {
      // Still assigned, with its queued work dropped: fetching on would skip
      // messages. Restart clean; they are delivered again.
      log_json(log_, spdlog::level::critical, "unassigning partitions failed: " + error,
               {{"stage", "kafka"}, {"event", "unassign_failed"}});
      stop_.fail(1);
    }
    log_json(log_, spdlog::level::info, "partitions revoked",
             {{"stage", "kafka"},
              {"event", "revoked"},
              {"count", partitions.size()},
              {"lost", lost},
              {"still_running", unfinished}});
  }

  void handle(RdKafka::Message& message, UserOrderedExecutor& workers) {
    if (message.err() == RdKafka::ERR__TIMED_OUT || message.err() == RdKafka::ERR__PARTITION_EOF) return;
    if (message.err() != RdKafka::ERR_NO_ERROR) {
      log_json(log_, spdlog::level::warn, message.errstr(), {{"stage", "kafka"}, {"event", "consume_error"}});
      if (message.err() == RdKafka::ERR__FATAL) stop_.fail(1);
      return;
    }
    const Partition partition{message.topic_name(), message.partition()};
    const auto found = leases_.find(partition);
    if (found == leases_.end()) {
      // Only a partition assigned through rebalance_cb is ours to process.
      log_json(log_, spdlog::level::warn, "message of a partition not assigned here; skipped",
               {{"stage", "kafka"},
                {"event", "unassigned_message"},
                {"partition", message.partition()},
                {"offset", message.offset()}});
      return;
    }
    const std::shared_ptr<PartitionLease> lease = found->second;
    const adapters::MessagePosition position{message.partition(), message.offset(), message.timestamp().timestamp};
    tracker_.started(partition, position.offset);
    std::string payload(static_cast<const char*>(message.payload()), message.len());
    // The one parse of the message; order follows its user_id, not the Kafka
    // key (the Python producer sends none).
    auto incoming = std::make_shared<const core::IncomingMessage>(core::read_message(payload));
    const std::string& user = incoming->who.user_id;
    ++active_;
    const auto consumed = std::chrono::steady_clock::now();
    workers.submit(user.empty() ? kUnidentifiedLane : "user:" + user,
                   [this, partition, position, lease, incoming, consumed, payload = std::move(payload)] {
                     run_task(partition, position, lease, payload, *incoming, consumed);
                     --active_;
                   });
  }

  // Every consumed message ends here: an outcome published and its offset
  // finished, or (shutdown, revoked) left for redelivery. Nothing escapes.
  void run_task(const Partition& partition, const adapters::MessagePosition& position,
                const std::shared_ptr<PartitionLease>& lease, const std::string& payload,
                const core::IncomingMessage& incoming, std::chrono::steady_clock::time_point consumed) noexcept {
    if (lease->revoked.load()) return;  // its next owner consumes it again
    ++lease->running;
    try {
      metrics_.observe(Stage::kQueueWait, std::chrono::steady_clock::now() - consumed);
      const Interruption interruption = Interruption::for_request(stop_, &lease->revoked);
      interruption.check();
      const Outcome outcome = process_safely(payload, incoming, position, interruption);
      const auto publishing = std::chrono::steady_clock::now();
      deliver(outcome);
      metrics_.observe(Stage::kPublish, std::chrono::steady_clock::now() - publishing);
      report_finished(partition, position.offset, lease);
      count_outcome(outcome, std::chrono::steady_clock::now() - consumed);
    } catch (const Abandoned&) {
      log_json(
          log_, spdlog::level::warn, "unfinished (shutdown or partition revoked); it will be delivered again",
          {{"stage", "service"}, {"event", "abandoned"}, {"partition", partition.second}, {"offset", position.offset}});
    } catch (const std::exception& error) {
      // Publishing itself failed in a way nothing above foresaw: the offset
      // moves on rather than blocking the partition, and the loss is logged.
      ++dropped_publications_;
      metrics_.publication_dropped();
      log_json(log_, spdlog::level::critical, std::string("outcome could not be published: ") + error.what(),
               {{"stage", "publish"},
                {"event", "outcome_dropped"},
                {"partition", partition.second},
                {"offset", position.offset},
                {"dropped_publications", dropped_publications_.load()}});
      report_finished(partition, position.offset, lease);
    } catch (...) {
      ++dropped_publications_;
      metrics_.publication_dropped();
      log_json(log_, spdlog::level::critical, "outcome could not be published: unknown exception",
               {{"stage", "publish"},
                {"event", "outcome_dropped"},
                {"partition", partition.second},
                {"offset", position.offset}});
      report_finished(partition, position.offset, lease);
    }
    --lease->running;
  }

  // The processor gives every request an outcome; should anything escape it
  // all the same (a bug, memory exhaustion), the message still gets a failed
  // result and a poison message instead of blocking its partition forever.
  Outcome process_safely(const std::string& payload, const core::IncomingMessage& incoming,
                         const adapters::MessagePosition& position, const Interruption& interruption) {
    try {
      return processor_.process(payload, incoming, position, interruption);
    } catch (const Abandoned&) {
      throw;
    } catch (const std::exception& error) {
      return unexpected(payload, incoming.who, error.what());
    } catch (...) {
      return unexpected(payload, incoming.who, "unknown exception");
    }
  }

  Outcome unexpected(const std::string& payload, const core::RequestIdentity& who, const std::string& what) {
    const std::string text = "Mask generation failed: " + what;
    log_json(log_, spdlog::level::err, text,
             {{"stage", "process"},
              {"event", "unexpected_error"},
              {"user_id", who.user_id},
              {"request_id", who.request_id}});
    return failed_outcome(FailureKind::kInternal, who, text, payload, 0);
  }

  void count_outcome(const Outcome& outcome, std::chrono::nanoseconds duration) {
    metrics_.request_finished(outcome_kind_name(outcome.kind),
                              outcome.failure ? failure_kind_name(*outcome.failure) : "none", duration);
  }

  void deliver(const Outcome& outcome) {
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

  void drop(const char* what, const std::string& topic) {
    ++dropped_publications_;
    metrics_.publication_dropped();
    log_json(log_, spdlog::level::err, std::string(what) + " too large for the broker; dropped",
             {{"stage", "publish"},
              {"event", "publication_dropped"},
              {"topic", topic},
              {"dropped_publications", dropped_publications_.load()}});
  }

  // Publishes and waits for the broker's acknowledgement. Returns false when
  // the broker refuses the message as too large. Other failures (a broker
  // outage) are retried until the acknowledgement comes, pausing intake
  // meanwhile; a fatal producer error stops the service. The promise is
  // shared with the delivery callback, so giving up at shutdown leaves
  // nothing dangling.
  bool publish(const std::string& topic, const std::string& key, const std::string& payload) {
    auto waiting = retry_.infrastructure_wait();
    const Interruption interruption = Interruption::for_request(stop_);
    for (int attempt = 0;; ++attempt) {
      auto delivered = std::make_shared<std::promise<RdKafka::ErrorCode>>();
      auto acknowledged = delivered->get_future();
      RdKafka::ErrorCode code;
      do {
        auto* holder = new std::shared_ptr<std::promise<RdKafka::ErrorCode>>(delivered);
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
      if (code == RdKafka::ERR_NO_ERROR) return true;
      if (too_large(code)) return false;
      if (code == RdKafka::ERR__FATAL) {
        std::string reason;
        producer_->fatal_error(reason);
        log_json(log_, spdlog::level::critical, "fatal producer error: " + reason,
                 {{"stage", "publish"}, {"event", "kafka_fatal"}, {"topic", topic}});
        stop_.fail(1);
        throw Abandoned();
      }
      waiting.start();
      retry_.count_retry("publish", true);
      log_json(log_, spdlog::level::err, "publishing failed: " + RdKafka::err2str(code),
               {{"stage", "publish"}, {"event", "dependency_unavailable"}, {"topic", topic}, {"attempt", attempt + 1}});
      RetryPolicy::sleep(retry_.backoff(attempt), interruption);
    }
  }

  void report_finished(const Partition& partition, std::int64_t offset,
                       const std::shared_ptr<PartitionLease>& lease) noexcept {
    try {
      const std::lock_guard lock(finished_mutex_);
      finished_.push_back({partition, offset, lease});
    } catch (...) {
      stop_.fail(1);  // out of memory: stop rather than lose track of an offset
    }
  }

  // Moves finished offsets of current assignments into the tracker, stores
  // what became committable, and pauses or resumes intake.
  void settle() {
    std::vector<Finished> finished;
    {
      const std::lock_guard lock(finished_mutex_);
      finished.swap(finished_);
    }
    for (const auto& done : finished) {
      const auto current = leases_.find(done.partition);
      // Finished under an assignment that has since ended: not ours to commit.
      if (current == leases_.end() || current->second != done.lease) continue;
      tracker_.finished(done.partition, done.offset);
    }
    std::vector<RdKafka::TopicPartition*> stored;
    for (const auto& partition : tracker_.partitions()) {
      if (const auto offset = tracker_.take_committable(partition)) {
        stored.push_back(RdKafka::TopicPartition::create(partition.first, partition.second, *offset));
      }
    }
    if (!stored.empty()) {
      const RdKafka::ErrorCode code = consumer_->offsets_store(stored);
      if (code != RdKafka::ERR_NO_ERROR) {
        log_json(log_, spdlog::level::warn, "storing offsets failed: " + RdKafka::err2str(code),
                 {{"stage", "kafka"}, {"event", "offsets_store_failed"}});
      }
    }
    RdKafka::TopicPartition::destroy(stored);

    metrics_.set_in_flight(active_.load());
    const bool busy = active_.load() >= settings_.concurrency || retry_.infrastructure_waits() > 0;
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
    metrics_.set_intake_paused(paused);
  }

  void commit() {
    const RdKafka::ErrorCode code = consumer_->commitSync();
    if (code != RdKafka::ERR_NO_ERROR && code != RdKafka::ERR__NO_OFFSET) {
      log_json(log_, spdlog::level::warn, "commit failed: " + RdKafka::err2str(code),
               {{"stage", "kafka"}, {"event", "commit_failed"}});
    }
  }

  struct Finished {
    Partition partition;
    std::int64_t offset;
    std::shared_ptr<PartitionLease> lease;
  };

  const ServiceSettings& settings_;
  RequestProcessor& processor_;
  RetryPolicy& retry_;
  spdlog::logger& log_;
  StopState& stop_;
  ServiceMetrics& metrics_;
  HealthState& health_;
  KafkaEvents events_;
  DeliveryReports deliveries_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  OffsetTracker tracker_;                                        // consume thread only
  std::map<Partition, std::shared_ptr<PartitionLease>> leases_;  // consume thread only
  bool paused_ = false;
  std::atomic<int> active_{0};  // messages queued or running
  std::atomic<long> dropped_publications_{0};
  std::mutex finished_mutex_;
  std::vector<Finished> finished_;
};

KafkaService::KafkaService(const ServiceSettings& settings, RequestProcessor& processor, RetryPolicy& retry,
                           spdlog::logger& log, StopState& stop, ServiceMetrics& metrics, HealthState& health)
    : impl_(std::make_unique<Impl>(settings, processor, retry, log, stop, metrics, health)) {}

KafkaService::~KafkaService() = default;

void KafkaService::run() { impl_->run(); }

std::chrono::seconds shutdown_margin() { return kShutdownMargin; }

}  // namespace mc::service

#include "service/kafka_service.hpp"

#include <thread>

#include <librdkafka/rdkafkacpp.h>

#include "adapters/kafka_config.hpp"
#include "core/errors.hpp"
#include "core/mask_request.hpp"
#include "core/result_messages.hpp"
#include "service/json_log.hpp"
#include "service/kafka_events.hpp"
#include "service/offset_tracker.hpp"
#include "service/result_publisher.hpp"
#include "service/user_ordered_executor.hpp"

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

// Intake pauses when SERVICE_CONCURRENCY tasks can run (running, or first in
// an idle user's lane), or when this many times SERVICE_CONCURRENCY messages
// are held in all (running or waiting behind their user's running one): the
// bound on memory when one user's backlog grows.
constexpr int kBufferedPerWorker = 4;
// And when the messages held add up to this many bytes: a message is kept as
// its bytes (for the poison message) and parsed (about as much again), and
// inline images make messages of tens of MB. One message is always taken.
constexpr std::size_t kMaxHeldMessageBytes = 256U << 20U;

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
        events_(log, stop, metrics),
        publisher_(settings, retry, stop, metrics, health, log, events_) {
    std::string error;
    std::string conf_error;

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
    set_kafka_property(*consumer_conf, "statistics.interval.ms", kKafkaStatisticsIntervalMs);
    set_kafka_property(*consumer_conf, "max.poll.interval.ms", std::to_string(adapters::kMaxPollIntervalMs));
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
    auto workers = std::make_unique<UserOrderedExecutor>(settings_.concurrency);
    workers_ = workers.get();
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
        stop_.fail(core::ExitCode::kFatal);
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
    workers_ = nullptr;
    workers.reset();
    publisher_.flush(std::chrono::seconds(10));
    log_json(log_, spdlog::level::info, "stopped",
             {{"stage", "service"},
              {"event", "stopped"},
              {"unfinished", tracker_.in_flight()},
              {"dropped_publications", publisher_.dropped()}});
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
      stop_.fail(core::ExitCode::kFatal);
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
      stop_.fail(core::ExitCode::kFatal);
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
      health_.loop_polled(HealthState::Clock::now());  // waiting on purpose, not stuck
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
      stop_.fail(core::ExitCode::kFatal);
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
      if (message.err() == RdKafka::ERR__FATAL) stop_.fail(core::ExitCode::kFatal);
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
    const core::MessagePosition position{message.partition(), message.offset(), message.timestamp().timestamp};
    tracker_.started(partition, position.offset);
    std::string payload(static_cast<const char*>(message.payload()), message.len());
    // The one parse of the message; order follows its user_id, not the Kafka
    // key (the Python producer sends none).
    auto incoming = std::make_shared<const core::IncomingMessage>(core::read_message(payload));
    const std::string& user = incoming->who.user_id;
    ++active_;
    const std::size_t bytes = payload.size();
    held_bytes_ += bytes;
    const auto consumed = std::chrono::steady_clock::now();
    workers.submit(user.empty() ? kUnidentifiedLane : "user:" + user,
                   [this, partition, position, lease, incoming, consumed, bytes, payload = std::move(payload)] {
                     run_task(partition, position, lease, payload, *incoming, consumed);
                     held_bytes_ -= bytes;
                     --active_;
                   });
  }

  // Every consumed message ends here: an outcome published and its offset
  // finished, or (shutdown, revoked) left for redelivery. Nothing escapes.
  void run_task(const Partition& partition, const core::MessagePosition& position,
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
      publisher_.deliver(outcome);
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
      publisher_.count_dropped();
      log_json(log_, spdlog::level::critical, std::string("outcome could not be published: ") + error.what(),
               {{"stage", "publish"},
                {"event", "outcome_dropped"},
                {"partition", partition.second},
                {"offset", position.offset},
                {"dropped_publications", publisher_.dropped()}});
      report_finished(partition, position.offset, lease);
    } catch (...) {
      publisher_.count_dropped();
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
                         const core::MessagePosition& position, const Interruption& interruption) {
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

  void report_finished(const Partition& partition, std::int64_t offset,
                       const std::shared_ptr<PartitionLease>& lease) noexcept {
    try {
      const std::lock_guard lock(finished_mutex_);
      finished_.push_back({partition, offset, lease});
    } catch (...) {
      stop_.fail(core::ExitCode::kFatal);  // out of memory: stop rather than lose track of an offset
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
    // Work waiting behind a busy user's lane does not hold up other users:
    // only what can run counts towards SERVICE_CONCURRENCY; all that is held
    // has a bound of its own.
    const bool full = workers_ != nullptr && (workers_->runnable() >= settings_.concurrency ||
                                              workers_->buffered() >= kBufferedPerWorker * settings_.concurrency ||
                                              held_bytes_.load() >= kMaxHeldMessageBytes);
    const bool busy = full || retry_.infrastructure_waits() > 0;
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
  ResultPublisher publisher_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  OffsetTracker tracker_;                                        // consume thread only
  std::map<Partition, std::shared_ptr<PartitionLease>> leases_;  // consume thread only
  bool paused_ = false;
  std::atomic<int> active_{0};              // messages queued or running
  std::atomic<std::size_t> held_bytes_{0};  // their bytes
  UserOrderedExecutor* workers_ = nullptr;  // while run() consumes
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

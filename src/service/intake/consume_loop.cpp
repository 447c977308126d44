#include "service/intake/consume_loop.hpp"

#include <algorithm>
#include <thread>

#include "adapters/kafka_config.hpp"
#include "core/errors.hpp"
#include "core/mask_request.hpp"

namespace mc::service {

namespace {

// Requests that are not JSON objects with a user_id share one lane: they
// fail quickly and need no order among themselves.
const std::string kUnidentifiedLane = "\x01unidentified";

// How often the result topics are asked for again while they are missing;
// a missing one is asked for once more after the short pause first (a
// broker that creates topics may answer the asking that creates one with
// "unknown topic").
constexpr std::chrono::seconds kTopicCheckInterval{3};
constexpr std::chrono::milliseconds kTopicRecheckPause{500};

// How long one topic's answer may take: well inside the liveness limit,
// since the loop does not poll meanwhile.
std::chrono::milliseconds topic_check_timeout(std::chrono::seconds stall_limit) {
  return std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(stall_limit) / 4,
                    std::chrono::milliseconds(250), std::chrono::milliseconds(2000));
}

std::string joined(const std::vector<std::string>& phrases) {
  std::string text;
  for (const auto& phrase : phrases) text += (text.empty() ? "" : "; ") + phrase;
  return text;
}

// Applies a rebalance under whichever protocol the group agreed on: the
// cooperative one hands over changes, the eager one whole assignments
// (a revoke always names everything held). Returns the error, or "".
std::string change_assignment(RdKafka::KafkaConsumer& consumer, const std::vector<RdKafka::TopicPartition*>& partitions,
                              bool add) {
  if (consumer.rebalance_protocol() == "COOPERATIVE") {
    const std::unique_ptr<RdKafka::Error> error(add ? consumer.incremental_assign(partitions)
                                                    : consumer.incremental_unassign(partitions));
    return error ? error->str() : "";
  }
  const RdKafka::ErrorCode code = add ? consumer.assign(partitions) : consumer.unassign();
  return code == RdKafka::ERR_NO_ERROR ? "" : RdKafka::err2str(code);
}

}  // namespace

ConsumeLoop::ConsumeLoop(const ServiceSettings& settings, MessageGuard& guard, FinishedOffsets& finished,
                         const DependencyWaits& waits, ResultPublisher& publisher, RdKafka::EventCb& events,
                         StopState& stop, ServiceMetrics& metrics, HealthState& health, spdlog::logger& log)
    : settings_(settings),
      guard_(guard),
      finished_(finished),
      publisher_(publisher),
      stop_(stop),
      metrics_(metrics),
      health_(health),
      service_log_(log, "service"),
      kafka_log_(log, "kafka"),
      intake_(settings.concurrency, waits) {
  auto conf = adapters::kafka_consumer_conf(settings.kafka);
  adapters::set_kafka_callback(*conf, "rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this));
  adapters::set_kafka_callback(*conf, "event_cb", &events);
  std::string error;
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer_) throw core::SetupError("Kafka consumer: " + error);
}

ConsumeLoop::~ConsumeLoop() = default;

void ConsumeLoop::run() {
  auto workers = std::make_unique<UserOrderedExecutor>(settings_.concurrency);
  workers_ = workers.get();
  service_log_.info("started", "started",
                    {{"topic", settings_.kafka.input_topic},
                     {"group", settings_.kafka.consumer_group},
                     {"concurrency", settings_.concurrency}});
  if (wait_for_result_topics()) {
    const RdKafka::ErrorCode subscribed = consumer_->subscribe({settings_.kafka.input_topic});
    if (subscribed != RdKafka::ERR_NO_ERROR) {
      throw core::SetupError("Kafka subscribe to " + settings_.kafka.input_topic + ": " + RdKafka::err2str(subscribed));
    }
    service_log_.info("consuming", "consuming", {{"topic", settings_.kafka.input_topic}});
  }
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
      service_log_.log(spdlog::level::critical, "loop_failed", std::string("consume loop failed: ") + error.what());
      stop_.fail(core::ExitCode::kFatal);
    }
  }
  drain_and_close();
  workers_ = nullptr;
  workers.reset();  // waits for the work abandoned at its next step
  publisher_.flush(std::chrono::seconds(10));
  service_log_.info("stopped", "stopped",
                    {{"unfinished", tracker_.in_flight()}, {"dropped_publications", publisher_.dropped()}});
}

bool ConsumeLoop::wait_for_result_topics() {
  std::string reported;  // what was last logged as missing
  while (!stop_.stopping.load()) {
    health_.loop_polled(HealthState::Clock::now());  // waiting on purpose, not stuck
    const auto timeout = topic_check_timeout(settings_.health_stall_limit);
    auto unusable = publisher_.unusable_topics(timeout);
    if (unusable && !unusable->empty() && reported.empty()) {
      std::this_thread::sleep_for(kTopicRecheckPause);
      health_.loop_polled(HealthState::Clock::now());
      unusable = publisher_.unusable_topics(timeout);
    }
    health_.loop_polled(HealthState::Clock::now());
    if (unusable && unusable->empty()) {
      if (!reported.empty()) {
        kafka_log_.info("dependency_recovered", "the result topics exist now; consuming");
        health_.set_missing_topics("");
        metrics_.set_kafka_publishing(true);
      }
      return true;
    }
    if (unusable) {
      const std::string reason = joined(*unusable);
      if (reason != reported) {
        kafka_log_.error("dependency_unavailable",
                         "cannot publish results: " + reason + "; consuming nothing until that changes",
                         {{"input_topic", settings_.kafka.input_topic}});
        reported = reason;
      }
      health_.set_missing_topics(reason);
      metrics_.set_kafka_publishing(false);
      metrics_.retried("topics", true);
    }
    // No answer: the brokers are down or refuse us; librdkafka logs why
    // (and KafkaEvents stops on refused credentials). Ask again.
    const auto next = std::chrono::steady_clock::now() + kTopicCheckInterval;
    while (std::chrono::steady_clock::now() < next && !stop_.stopping.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      health_.loop_polled(HealthState::Clock::now());
    }
  }
  return false;
}

void ConsumeLoop::drain_and_close() {
  health_.set_shutting_down();
  stop_.deadline_ns = (std::chrono::steady_clock::now() + settings_.shutdown_grace).time_since_epoch().count();
  service_log_.info("stopping", "stopping: no new work, finishing what is in flight",
                    {{"in_flight", workers_->buffered()}});
  set_paused(true);
  while (workers_->buffered() > 0 && !stop_.past_deadline()) {
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(100));  // keeps the group alive
    health_.loop_polled(HealthState::Clock::now());
    settle();
  }
  settle();
  commit();
  // What is still unfinished is left for redelivery: queued work is dropped,
  // running work abandons at its next step. The group is left before
  // waiting for it, so that the partitions move on at once.
  for (auto& [partition, assignment] : assignments_) assignment->revoked = true;
  consumer_->close();
}

void ConsumeLoop::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode code,
                               std::vector<RdKafka::TopicPartition*>& partitions) {
  try {
    if (code == RdKafka::ERR__ASSIGN_PARTITIONS) {
      assign(*consumer, partitions);
    } else {
      revoke(*consumer, partitions);
    }
  } catch (const std::exception& error) {
    kafka_log_.log(spdlog::level::critical, "rebalance_failed", std::string("rebalance failed: ") + error.what());
    stop_.fail(core::ExitCode::kFatal);
  }
}

void ConsumeLoop::assign(RdKafka::KafkaConsumer& consumer, std::vector<RdKafka::TopicPartition*>& partitions) {
  const std::string error = change_assignment(consumer, partitions, true);
  if (!error.empty()) {
    // This member may own partitions it does not fetch: restart clean.
    kafka_log_.log(spdlog::level::critical, "assign_failed", "assigning partitions failed: " + error);
    stop_.fail(core::ExitCode::kFatal);
    return;
  }
  for (auto* partition : partitions) {
    assignments_[{partition->topic(), partition->partition()}] = std::make_shared<PartitionAssignment>();
  }
  // librdkafka keeps a partition's pause flag across a revoke and a later
  // assign: set it to match intake either way.
  const RdKafka::ErrorCode flow = paused_ ? consumer.pause(partitions) : consumer.resume(partitions);
  if (flow != RdKafka::ERR_NO_ERROR) {
    kafka_log_.warn("flow_control_failed", "pausing or resuming new partitions failed: " + RdKafka::err2str(flow));
  }
  health_.set_group_joined(true);
  kafka_log_.info("assigned", "partitions assigned", {{"count", partitions.size()}, {"paused", paused_}});
}

void ConsumeLoop::revoke(RdKafka::KafkaConsumer& consumer, std::vector<RdKafka::TopicPartition*>& partitions) {
  health_.set_group_joined(false);
  std::vector<std::shared_ptr<PartitionAssignment>> revoked;
  for (auto* partition : partitions) {
    const auto found = assignments_.find({partition->topic(), partition->partition()});
    if (found == assignments_.end()) continue;
    found->second->revoked = true;
    revoked.push_back(found->second);
  }
  const int unfinished = wait_for_running(revoked);
  const bool lost = consumer.assignment_lost();
  settle();
  if (!lost) commit();
  for (auto* partition : partitions) {
    const Partition key{partition->topic(), partition->partition()};
    tracker_.forget(key);
    assignments_.erase(key);
  }
  const std::string error = change_assignment(consumer, partitions, false);
  if (!error.empty()) {
    // Still assigned, with its queued work dropped: fetching on would skip
    // messages. Restart clean; they are delivered again.
    kafka_log_.log(spdlog::level::critical, "unassign_failed", "unassigning partitions failed: " + error);
    stop_.fail(core::ExitCode::kFatal);
  }
  kafka_log_.info("revoked", "partitions revoked",
                  {{"count", partitions.size()}, {"lost", lost}, {"still_running", unfinished}});
}

int ConsumeLoop::wait_for_running(const std::vector<std::shared_ptr<PartitionAssignment>>& revoked) {
  const auto deadline = std::chrono::steady_clock::now() + settings_.rebalance_wait;
  auto running = [&] {
    int count = 0;
    for (const auto& assignment : revoked) count += assignment->running.load();
    return count;
  };
  while (running() > 0 && std::chrono::steady_clock::now() < deadline && !stop_.stopping.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    health_.loop_polled(HealthState::Clock::now());  // waiting on purpose, not stuck
  }
  return running();
}

void ConsumeLoop::handle(RdKafka::Message& message, UserOrderedExecutor& workers) {
  if (message.err() == RdKafka::ERR__TIMED_OUT || message.err() == RdKafka::ERR__PARTITION_EOF) return;
  if (message.err() != RdKafka::ERR_NO_ERROR) {
    kafka_log_.warn("consume_error", message.errstr());
    if (message.err() == RdKafka::ERR__FATAL) stop_.fail(core::ExitCode::kFatal);
    return;
  }
  const Partition partition{message.topic_name(), message.partition()};
  const auto found = assignments_.find(partition);
  if (found == assignments_.end()) {
    // Only a partition assigned through rebalance_cb is ours to process.
    kafka_log_.warn("unassigned_message", "message of a partition not assigned here; skipped",
                    {{"partition", message.partition()}, {"offset", message.offset()}});
    return;
  }
  const core::MessagePosition position{message.partition(), message.offset(), message.timestamp().timestamp};
  tracker_.started(partition, position.offset);
  std::string payload(static_cast<const char*>(message.payload()), message.len());
  // The one parse of the message; order follows its user_id, not the Kafka
  // key (the Python producer sends none).
  core::IncomingMessage incoming = core::read_message(payload);
  auto consumed = std::make_shared<const ConsumedMessage>(ConsumedMessage{
      partition, position, found->second, std::move(payload), std::move(incoming), std::chrono::steady_clock::now()});
  const std::string& user = consumed->incoming.who.user_id;
  intake_.took(consumed->payload.size());
  workers.submit(user.empty() ? kUnidentifiedLane : "user:" + user, [this, consumed] {
    guard_.run(*consumed);
    intake_.released(consumed->payload.size());
  });
}

void ConsumeLoop::settle() {
  for (const auto& done : finished_.take()) {
    const auto current = assignments_.find(done.partition);
    // Finished under an assignment that has since ended: not ours to commit.
    if (current == assignments_.end() || current->second != done.assignment) continue;
    tracker_.finished(done.partition, done.offset);
  }
  store_committable();
  const int buffered = workers_ != nullptr ? workers_->buffered() : 0;
  metrics_.set_in_flight(buffered);
  const bool closed = intake_.closed(workers_ != nullptr ? workers_->runnable() : 0, buffered);
  if (closed && !paused_) {
    set_paused(true);
  } else if (!closed && paused_ && !stop_.stopping.load()) {
    set_paused(false);
  }
}

void ConsumeLoop::store_committable() {
  std::vector<RdKafka::TopicPartition*> stored;
  for (const auto& partition : tracker_.partitions()) {
    if (const auto offset = tracker_.take_committable(partition)) {
      stored.push_back(RdKafka::TopicPartition::create(partition.first, partition.second, *offset));
    }
  }
  if (!stored.empty()) {
    const RdKafka::ErrorCode code = consumer_->offsets_store(stored);
    if (code != RdKafka::ERR_NO_ERROR) {
      kafka_log_.warn("offsets_store_failed", "storing offsets failed: " + RdKafka::err2str(code));
    }
  }
  RdKafka::TopicPartition::destroy(stored);
}

void ConsumeLoop::set_paused(bool paused) {
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

void ConsumeLoop::commit() {
  const RdKafka::ErrorCode code = consumer_->commitSync();
  if (code != RdKafka::ERR_NO_ERROR && code != RdKafka::ERR__NO_OFFSET) {
    kafka_log_.warn("commit_failed", "commit failed: " + RdKafka::err2str(code));
  }
}

}  // namespace mc::service

#include "service/operations/metrics.hpp"

#include <prometheus/text_serializer.h>

#include "service/operations/outcome.hpp"

namespace mc::service {

namespace {

using prometheus::Histogram;

// Seconds. Stages run from milliseconds (encode) to minutes (a fetch or
// upload that rides out an outage).
const Histogram::BucketBoundaries kStageBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                0.5,   1,      2.5,   5,    10,    30,   60,  300};
const Histogram::BucketBoundaries kRequestBuckets{0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300, 600};

double seconds(std::chrono::nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

}  // namespace

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::kQueueWait:
      return "queue_wait";
    case Stage::kFetch:
      return "fetch";
    case Stage::kDecode:
      return "decode";
    case Stage::kParsingAtr:
      return "parsing_atr";
    case Stage::kParsingLip:
      return "parsing_lip";
    case Stage::kPose:
      return "pose";
    case Stage::kMasks:
      return "masks";
    case Stage::kEncode:
      return "encode";
    case Stage::kUpload:
      return "upload";
    case Stage::kDatabase:
      return "database";
    case Stage::kPublish:
      return "publish";
  }
  return "unknown";
}

std::string_view dependency_name(Dependency dependency) {
  switch (dependency) {
    case Dependency::kKafka:
      return "kafka";
    case Dependency::kS3:
      return "s3";
    case Dependency::kPostgres:
      return "postgres";
  }
  return "unknown";
}

ServiceMetrics::ServiceMetrics(const BuildInfo& build)
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("maskcomponent_requests_total")
                    .Help("Consumed messages by outcome (completed, answered_from_record, failed) and failure class")
                    .Register(*registry_)),
      request_duration_(prometheus::BuildHistogram()
                            .Name("maskcomponent_request_duration_seconds")
                            .Help("Time from consuming a message to the broker's acknowledgement of its result")
                            .Register(*registry_)),
      stage_duration_(prometheus::BuildHistogram()
                          .Name("maskcomponent_stage_duration_seconds")
                          .Help("Time a request spent in each stage")
                          .Register(*registry_)),
      retries_(prometheus::BuildCounter()
                   .Name("maskcomponent_retries_total")
                   .Help("Failed calls tried again, by stage and kind (transient or permanent)")
                   .Register(*registry_)),
      poison_messages_(prometheus::BuildCounter()
                           .Name("maskcomponent_poison_messages_total")
                           .Help("Messages published to the poison topic")
                           .Register(*registry_)
                           .Add({})),
      dropped_publications_(prometheus::BuildCounter()
                                .Name("maskcomponent_dropped_publications_total")
                                .Help("Results or poison messages the broker refused even when cut down; dropped")
                                .Register(*registry_)
                                .Add({})),
      in_flight_(prometheus::BuildGauge()
                     .Name("maskcomponent_requests_in_flight")
                     .Help("Messages consumed and not yet finished (queued or running)")
                     .Register(*registry_)
                     .Add({})),
      intake_paused_(prometheus::BuildGauge()
                         .Name("maskcomponent_intake_paused")
                         .Help("1 while the consumer has paused its partitions (busy or a dependency down)")
                         .Register(*registry_)
                         .Add({})),
      dependency_up_(prometheus::BuildGauge()
                         .Name("maskcomponent_dependency_up")
                         .Help("1 when the dependency answered its last check, 0 when it did not")
                         .Register(*registry_)),
      consumer_lag_(prometheus::BuildGauge()
                        .Name("maskcomponent_consumer_lag_messages")
                        .Help("Messages behind the partition's end, per assigned partition (librdkafka statistics)")
                        .Register(*registry_)),
      model_load_seconds_(prometheus::BuildGauge()
                              .Name("maskcomponent_model_load_seconds")
                              .Help("Time to load and warm the networks at start-up")
                              .Register(*registry_)
                              .Add({})) {
  prometheus::BuildGauge()
      .Name("maskcomponent_build_info")
      .Help("The build: its version and ONNX Runtime's (always 1)")
      .Register(*registry_)
      .Add({{"version", build.version}, {"onnxruntime", build.onnxruntime}})
      .Set(1);
  // Every series that exists from the start, so that rates and alerts see 0
  // rather than nothing.
  for (const Stage stage : kAllStages) stage_duration_.Add({{"stage", std::string(stage_name(stage))}}, kStageBuckets);
  request_duration_.Add({}, kRequestBuckets);
  for (const OutcomeKind outcome : {OutcomeKind::kCompleted, OutcomeKind::kAnsweredFromRecord}) {
    requests_.Add({{"outcome", std::string(outcome_kind_name(outcome))}, {"failure_class", "none"}});
  }
  for (const FailureKind failure : kAllFailureKinds) {
    requests_.Add({{"outcome", std::string(outcome_kind_name(OutcomeKind::kFailed))},
                   {"failure_class", std::string(failure_kind_name(failure))}});
  }
  // dependency_up has no series before a dependency's first check: a 0
  // during a long start-up would look like an outage.
}

std::string ServiceMetrics::text() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

void ServiceMetrics::request_finished(std::string_view outcome, std::string_view failure_class,
                                      std::chrono::nanoseconds duration) {
  requests_.Add({{"outcome", std::string(outcome)}, {"failure_class", std::string(failure_class)}}).Increment();
  request_duration_.Add({}, kRequestBuckets).Observe(seconds(duration));
}

void ServiceMetrics::observe(Stage stage, std::chrono::nanoseconds duration) {
  stage_duration_.Add({{"stage", std::string(stage_name(stage))}}, kStageBuckets).Observe(seconds(duration));
}

void ServiceMetrics::retried(std::string_view stage, bool transient) {
  retries_.Add({{"stage", std::string(stage)}, {"kind", transient ? "transient" : "permanent"}}).Increment();
}

void ServiceMetrics::poison_published() { poison_messages_.Increment(); }

void ServiceMetrics::publication_dropped() { dropped_publications_.Increment(); }

void ServiceMetrics::set_in_flight(int messages) { in_flight_.Set(messages); }

void ServiceMetrics::set_intake_paused(bool paused) { intake_paused_.Set(paused ? 1 : 0); }

void ServiceMetrics::set_dependency_up(Dependency dependency, bool up) {
  dependency_up_.Add({{"dependency", std::string(dependency_name(dependency))}}).Set(up ? 1 : 0);
}

void ServiceMetrics::set_kafka_brokers_up(bool up) {
  const std::lock_guard lock(kafka_mutex_);
  kafka_brokers_up_ = up;
  set_dependency_up(Dependency::kKafka, up && kafka_publishing_);
}

void ServiceMetrics::set_kafka_publishing(bool ok) {
  const std::lock_guard lock(kafka_mutex_);
  kafka_publishing_ = ok;
  // No series before the first statistics, unless publishing already failed.
  if (kafka_brokers_up_ || !ok) set_dependency_up(Dependency::kKafka, kafka_brokers_up_.value_or(true) && ok);
}

void ServiceMetrics::set_consumer_lags(const std::map<std::pair<std::string, int>, std::int64_t>& lags) {
  const std::lock_guard lock(lag_mutex_);
  for (auto series = lag_series_.begin(); series != lag_series_.end();) {
    if (lags.count(series->first) == 0) {
      consumer_lag_.Remove(series->second);
      series = lag_series_.erase(series);
    } else {
      ++series;
    }
  }
  for (const auto& [partition, lag] : lags) {
    auto& gauge = lag_series_[partition];
    if (gauge == nullptr) {
      gauge = &consumer_lag_.Add({{"topic", partition.first}, {"partition", std::to_string(partition.second)}});
    }
    gauge->Set(static_cast<double>(lag));
  }
}

void ServiceMetrics::set_model_load_time(std::chrono::nanoseconds duration) {
  model_load_seconds_.Set(seconds(duration));
}

void ServiceMetrics::set_inference(std::string_view engine, std::string_view precision, std::string_view instructions) {
  prometheus::BuildGauge()
      .Name("maskcomponent_inference_info")
      .Help("What runs the networks: engine, precision (fp32 or bf16) and bf16 instructions (always 1)")
      .Register(*registry_)
      .Add({{"engine", std::string(engine)},
            {"precision", std::string(precision)},
            {"instructions", std::string(instructions)}})
      .Set(1);
}

}  // namespace mc::service

#include "app/serve_command.hpp"

#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>

#include "adapters/postgres_store.hpp"
#include "adapters/s3_client.hpp"
#include "core/exit_codes.hpp"
#include "inference/onnx_runtime.hpp"
#include "service/processing/analysis_cache.hpp"
#include "service/operations/dependency_monitor.hpp"
#include "service/operations/health.hpp"
#include "service/http/http_api.hpp"
#include "service/operations/json_log.hpp"
#include "service/intake/kafka_service.hpp"
#include "service/processing/http_image_source.hpp"
#include "service/operations/metrics.hpp"
#include "service/processing/pooled_analyzer.hpp"
#include "service/processing/postgres_request_store.hpp"
#include "service/processing/s3_mask_storage.hpp"
#include "service/http/status_server.hpp"
#include "service/processing/request_processor.hpp"
#include "service/settings/service_settings.hpp"

namespace mc::app {

// The program drives the service library.
using namespace mc::service;

namespace {

// The one piece of process-wide state: signal handlers cannot take arguments.
StopState* g_stop_state = nullptr;
volatile std::sig_atomic_t g_signals = 0;

void on_stop_signal(int) {
  g_signals = g_signals + 1;
  if (g_signals > 1)
    _exit(core::exit_status(core::ExitCode::kInterrupted));  // second signal: at once; unfinished work is redelivered
  if (g_stop_state != nullptr) g_stop_state->stopping.store(true);
}

// Ends the process when a stop takes longer than the grace period plus a
// fixed margin (a hung dependency holding a worker): offsets of unfinished
// work were never stored, so it is delivered again.
class ShutdownWatchdog {
 public:
  ShutdownWatchdog(const StopState& stop, std::chrono::seconds limit, spdlog::logger& log)
      : thread_([this, &stop, limit, &log] { watch(stop, limit, log); }) {}
  ~ShutdownWatchdog() {
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  ShutdownWatchdog(const ShutdownWatchdog&) = delete;
  ShutdownWatchdog& operator=(const ShutdownWatchdog&) = delete;

 private:
  void watch(const StopState& stop, std::chrono::seconds limit, spdlog::logger& log) {
    std::unique_lock lock(mutex_);
    while (!done_ && !stop.stopping.load()) wake_.wait_for(lock, std::chrono::milliseconds(100));
    if (done_) return;
    if (wake_.wait_for(lock, limit, [this] { return done_; })) return;
    StageLog(log, "service")
        .log(spdlog::level::critical, "shutdown_forced",
             "shutdown overran its grace period; exiting with work unfinished");
    log.flush();
    std::_Exit(core::exit_status(core::ExitCode::kFatal));
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

CLI::App* add_serve_command(CLI::App& app) {
  return app.add_subcommand("serve",
                            "Run the Kafka service: mask_input -> masks in S3, rows in PostgreSQL, results on "
                            "mask_output (configuration from the environment, see README).");
}

int run_serve_command() {
  const ServiceSettings settings = load_service_settings(process_environment());
  auto log = make_json_logger("maskcomponent", settings.log_level);
  StopState stop;
  g_stop_state = &stop;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const ShutdownWatchdog watchdog(stop, settings.shutdown_grace + shutdown_margin(), *log);

  StageLog(*log, "service")
      .info("starting", "starting",
            {{"bootstrap", settings.kafka.bootstrap_servers},
             {"postgres", adapters::redact_dsn(settings.storage.postgres.dsn)},
             {"s3", settings.storage.s3.endpoint},
             {"bucket", settings.storage.s3.bucket}});
  const StageLog startup_log(*log, "startup");
  ServiceMetrics metrics(BuildInfo{MC_VERSION, inference::onnxruntime_version()});
  HealthState health(settings.health_stall_limit);
  // Up first, so that probes see the start-up (live, not ready).
  std::optional<StatusServer> status;
  if (settings.metrics_port > 0) {
    try {
      status.emplace(settings.metrics_bind_address, settings.metrics_port, health, metrics, *log);
    } catch (const core::SetupError& error) {
      // The seed's way to scale is more instances with the same variables:
      // a second one on the host runs, without the endpoint (README).
      if (settings.metrics_port_given) throw;
      startup_log.warn("status_unavailable", std::string(error.what()) +
                                                 ": running without the status endpoint; set METRICS_PORT to a "
                                                 "free port (or 0) for this instance");
    }
  }

  const auto loading = std::chrono::steady_clock::now();
  // The inference layer logs plain text (GPU_ID, INFERENCE_PRECISION, ONNX
  // Runtime's messages): each becomes a JSON line of its own.
  const auto inference_log = make_text_to_json_logger(*log, "inference", "inference");
  inference::AnalyzerPool models(settings.models, settings.inference_instances, *inference_log);
  models.warm_up();
  metrics.set_model_load_time(std::chrono::steady_clock::now() - loading);
  metrics.set_inference(inference::engine_name(models.device()), inference::precision_name(models.device()),
                        models.device().bf16);
  health.set_models_ready();
  startup_log.info(
      "models_ready", "models loaded and warmed",
      {{"duration_ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - loading).count()},
       {"engine", inference::engine_name(models.device())},
       {"precision", inference::precision_name(models.device())},
       {"pose_model", inference::pose_model_name(settings.models.pose_model)}});
  adapters::PostgresStore store(settings.storage.postgres);
  DependencyWaits waits;
  RetryPolicy retry(settings.retry, &metrics, &waits);
  PostgresRequestStore request_store(store);
  S3MaskStorage mask_storage(settings.storage.s3);
  HttpImageSource images(settings.fetch);
  PooledAnalyzer networks(models);
  // Parse maps and keypoints of images seen before (ANALYSIS_CACHE).
  std::optional<CachingAnalyzer> cache;
  if (settings.analysis_cache.enabled) {
    cache.emplace(
        networks, settings.storage.s3, settings.analysis_cache,
        model_fingerprint(inference::locate_checkpoints(settings.models.checkpoints_dir, settings.models.pose_model),
                          settings.models, inference::precision_name(models.device())),
        metrics, *log);
  }
  Analyzer& analyzer = cache ? static_cast<Analyzer&>(*cache) : networks;
  RequestProcessor processor(settings, {request_store, mask_storage, images, analyzer}, retry, *log, &metrics);

  // Dependencies may still be starting: wait for them, as for any outage.
  const RequestLog startup(*log, "", "");
  // A signal during start-up ends the waiting at once.
  const Interruption at_startup = Interruption::at_startup(stop);
  try {
    retry.until_done(startup, "startup", at_startup, [&] {
      const auto report = store.schema().ensure();
      for (const auto& change : report.changes) startup_log.info("schema_changed", change);
    });
    retry.until_done(startup, "startup", at_startup, [&] {
      adapters::S3Client s3(settings.storage.s3);
      if (s3.ensure_bucket()) {
        startup_log.info("bucket_created", "created bucket " + settings.storage.s3.bucket);
      }
    });
  } catch (const Abandoned&) {
    return core::exit_status(core::ExitCode::kSuccess);
  } catch (const InfrastructureRefusal& refusal) {
    startup_log.log(spdlog::level::critical, "startup_failed", std::string("start-up refused: ") + refusal.what());
    return core::exit_status(core::ExitCode::kFailure);
  }
  const DependencyMonitor monitor(
      {{Dependency::kPostgres, [&store] { store.health().check(); }},
       {Dependency::kS3, [s3 = std::make_shared<adapters::S3Client>(settings.storage.s3)] { s3->check_bucket(); }}},
      settings.dependency_check_interval, health, metrics, *log);
  // The synchronous API, through the same processor (HTTP_API_PORT).
  S3MaskReader stored_masks(settings.storage.s3);
  std::optional<HttpApi> http_api;
  if (settings.http_api.port > 0) {
    http_api.emplace(settings.http_api, http_api_body_limit(settings.fetch.max_bytes),
                     HttpApi::Parts{processor, stored_masks, health, stop, metrics, *log});
  }
  KafkaService service(settings, processor, retry, waits, *log, stop, metrics, health);
  service.run();
  g_stop_state = nullptr;
  return core::exit_status(stop.exit_code.load());
}

}  // namespace mc::app

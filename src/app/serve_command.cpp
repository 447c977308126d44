#include "app/serve_command.hpp"

#include <unistd.h>

#include <csignal>

#include "adapters/postgres_store.hpp"
#include "adapters/s3_client.hpp"
#include "app/json_log.hpp"
#include "app/kafka_service.hpp"
#include "app/request_processor.hpp"
#include "app/service_settings.hpp"

namespace mc::app {

namespace {

// The one piece of process-wide state: signal handlers cannot take arguments.
StopState* g_stop_state = nullptr;
volatile std::sig_atomic_t g_signals = 0;

void on_stop_signal(int) {
  g_signals = g_signals + 1;
  if (g_signals > 1) _exit(130);  // second signal: at once; unfinished work is redelivered
  if (g_stop_state != nullptr) g_stop_state->stopping.store(true);
}

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

  log_json(*log, spdlog::level::info, "starting",
           {{"stage", "service"}, {"event", "starting"}, {"bootstrap", settings.kafka.bootstrap_servers},
            {"postgres", adapters::redact_dsn(settings.storage.postgres.dsn)},
            {"s3", settings.storage.s3.endpoint}, {"bucket", settings.storage.s3.bucket}});
  inference::AnalyzerPool models(settings.models, settings.inference_instances, *log);
  adapters::PostgresStore store(settings.storage.postgres);
  RequestProcessor processor(settings, store, models, *log, stop);

  // Dependencies may still be starting: wait for them, as for any outage.
  const RequestLog startup(*log, "", "");
  stop.deadline_ns = 1;  // a signal during start-up ends the waiting at once
  try {
    processor.retry_infrastructure(startup, "startup", [&] {
      const auto report = store.ensure_schema();
      for (const auto& change : report.changes) log_json(*log, spdlog::level::info, change, {{"stage", "startup"}, {"event", "schema_changed"}});
    });
    processor.retry_infrastructure(startup, "startup", [&] {
      adapters::S3Client s3(settings.storage.s3);
      if (s3.ensure_bucket()) {
        log_json(*log, spdlog::level::info, "created bucket " + settings.storage.s3.bucket,
                 {{"stage", "startup"}, {"event", "bucket_created"}});
      }
    });
  } catch (const Abandoned&) {
    return 0;
  }
  stop.deadline_ns = 0;  // set again when shutdown starts
  KafkaService service(settings, processor, *log, stop);
  service.run();
  g_stop_state = nullptr;
  return 0;
}

}  // namespace mc::app

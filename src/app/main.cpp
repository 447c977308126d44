#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>
#include <opencv2/core/utils/logger.hpp>

#include "app/allocator_tuning.hpp"
#include "app/generate_command.hpp"
#include "app/preview_command.hpp"
#include "app/send_command.hpp"
#include "app/serve_command.hpp"
#include "app/storage_commands.hpp"
#include "app/masks_command.hpp"
#include "core/errors.hpp"
#include "core/exit_codes.hpp"
#include "inference/onnx_runtime.hpp"

using mc::core::exit_status;
using mc::core::ExitCode;

int main(int argc, char** argv) {
  mc::app::tune_allocator_for_images();
  mc::inference::disable_ort_telemetry();  // while the process has one thread
  // Our own errors name the problem; OpenCV's log lines would only repeat them.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  CLI::App app{"maskcomponent: garment masks for virtual try-on"};
  app.require_subcommand(1);
  mc::app::MasksOptions masks_options;
  CLI::App* masks = mc::app::add_masks_command(app, masks_options);
  mc::app::GenerateOptions generate_options;
  CLI::App* generate = mc::app::add_generate_command(app, generate_options);
  mc::app::UrlsOptions urls_options;
  CLI::App* urls = mc::app::add_urls_command(app, urls_options);
  CLI::App* migrate = mc::app::add_migrate_command(app);
  CLI::App* serve = mc::app::add_serve_command(app);
  mc::app::SendOptions send_options;
  CLI::App* send = mc::app::add_send_command(app, send_options);
  mc::app::PreviewOptions preview_options;
  CLI::App* preview = mc::app::add_preview_command(app, preview_options);

  CLI11_PARSE(app, argc, argv);

  try {
    if (masks->parsed()) mc::app::run_masks_command(masks_options);
    if (generate->parsed()) mc::app::run_generate_command(generate_options);
    if (urls->parsed()) mc::app::run_urls_command(urls_options);
    if (migrate->parsed()) mc::app::run_migrate_command();
    if (preview->parsed()) mc::app::run_preview_command(preview_options);
    if (serve->parsed()) return mc::app::run_serve_command();
    if (send->parsed()) return mc::app::run_send_command(send_options);
  } catch (const mc::core::InputError& error) {
    std::cerr << "maskcomponent: error: " << error.what() << '\n';
    return exit_status(ExitCode::kBadInput);
  } catch (const mc::core::SetupError& error) {
    std::cerr << "maskcomponent: setup error: " << error.what() << '\n';
    return exit_status(ExitCode::kSetup);
  } catch (const std::exception& error) {
    std::cerr << "maskcomponent: failure: " << error.what() << '\n';
    return exit_status(ExitCode::kFailure);
  }
  return exit_status(ExitCode::kSuccess);
}

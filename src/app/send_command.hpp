#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace mc::app {

// `maskcomponent send`: the Python service's send_image_message tool. Publishes one
// request to KAFKA_TOPIC_INPUT; with --wait, prints the matching result from
// KAFKA_TOPIC_OUTPUT.
struct SendOptions {
  std::string user_id;
  std::string gender = "M";
  std::string image_path;
  std::string image_url;
  std::string mask_types;  // comma-separated; empty: the service's default
  std::string request_id;  // generated when empty
  bool wait = false;
  int timeout_seconds = 120;
};

CLI::App* add_send_command(CLI::App& app, SendOptions& options);
// Returns the exit code: 0 sent (and, with --wait, a result arrived), 4 no result in time.
int run_send_command(const SendOptions& options);

}  // namespace mc::app

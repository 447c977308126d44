#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace mc::app {

struct UrlsOptions {
  std::string user_id;
  bool presigned = false;
};

// `maskcomponent urls --user-id ID [--presigned]`: each mask type's URL for a
// user, from user_mask_outputs: {BASE_URL}/{user_id}/{request_id}/{filename},
// or a presigned GET URL valid for PRESIGNED_URL_EXPIRY seconds.
CLI::App* add_urls_command(CLI::App& app, UrlsOptions& options);
void run_urls_command(const UrlsOptions& options);

// `maskcomponent migrate`: applies the schema and prints what it changed.
CLI::App* add_migrate_command(CLI::App& app);
void run_migrate_command();

}  // namespace mc::app

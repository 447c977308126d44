#include "app/storage_commands.hpp"

#include <iostream>

#include "adapters/postgres_schema.hpp"
#include "adapters/postgres_user_masks.hpp"
#include "adapters/s3_client.hpp"
#include "core/ids.hpp"
#include "service/settings/storage_settings.hpp"
#include "core/errors.hpp"
#include "core/mask_types.hpp"

namespace mc::app {

// The program drives the service library.
using namespace mc::service;

CLI::App* add_urls_command(CLI::App& app, UrlsOptions& options) {
  CLI::App* command = app.add_subcommand(
      "urls", "Print each mask type's URL for a user (from user_mask_outputs; needs MINIO_* and POSTGRES_DSN).");
  command->add_option("--user-id", options.user_id, "The user")->required();
  command->add_flag("--presigned", options.presigned,
                    "Presigned GET URLs (valid PRESIGNED_URL_EXPIRY seconds) instead of BASE_URL ones");
  return command;
}

void run_urls_command(const UrlsOptions& options) {
  const StorageSettings settings = load_storage_settings(process_environment());
  adapters::PostgresConnections connections(settings.postgres);
  const auto row = adapters::PostgresUserMasks(connections).find(options.user_id);
  if (!row) throw core::InputError("no masks recorded for user_id \"" + options.user_id + "\"");
  std::unique_ptr<adapters::S3Client> s3;
  if (options.presigned) s3 = std::make_unique<adapters::S3Client>(settings.s3);
  for (const core::MaskType type : core::kAllMaskTypes) {
    const auto found = row->filenames.find(type);
    if (found == row->filenames.end()) continue;
    const std::string url =
        options.presigned ? s3->presigned_get_url(core::mask_object_key(row->user_id, row->request_id, found->second),
                                                  settings.presigned_url_expiry)
                          : core::mask_url(settings.base_url, row->user_id, row->request_id, found->second);
    std::cout << core::mask_type_name(type) << ' ' << url << '\n';
  }
}

CLI::App* add_migrate_command(CLI::App& app) {
  return app.add_subcommand("migrate",
                            "Create or update the PostgreSQL tables (user_mask_outputs, mask_requests); "
                            "prints each change.");
}

void run_migrate_command() {
  const StorageSettings settings = load_storage_settings(process_environment());
  adapters::PostgresConnections connections(settings.postgres);
  const adapters::MigrationReport report = adapters::PostgresSchema(connections).ensure();
  if (report.changes.empty()) std::cout << "schema is up to date\n";
  for (const auto& change : report.changes) std::cout << change << '\n';
}

}  // namespace mc::app

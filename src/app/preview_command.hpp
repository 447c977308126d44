#pragma once

#include <filesystem>

#include <CLI/CLI.hpp>

namespace mc::app {

// `maskcomponent preview --image PHOTO --masks DIR --out FILE`: the preview
// sheet (the photo with each mask overlaid, one labelled panel per type) for
// masks made elsewhere, e.g. downloaded from the bucket.
struct PreviewOptions {
  std::filesystem::path image_path;
  std::filesystem::path masks_dir;
  std::filesystem::path out_path;
  std::string show;  // --show: comma-separated soft, agnostic
};

CLI::App* add_preview_command(CLI::App& app, PreviewOptions& options);
void run_preview_command(const PreviewOptions& options);

}  // namespace mc::app

#pragma once

#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "app/mask_output.hpp"

namespace mc::app {

struct MasksOptions : MaskOutputOptions {
  std::filesystem::path parse_path;
  std::filesystem::path keypoints_path;
};

// Registers `maskcomponent masks` on the CLI11 app; returns the subcommand.
CLI::App* add_masks_command(CLI::App& app, MasksOptions& options);

// Runs it. Throws core::InputError for bad input, std::runtime_error for I/O failures.
void run_masks_command(const MasksOptions& options);

}  // namespace mc::app

#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "app/mask_output.hpp"
#include "inference/human_analyzer.hpp"

namespace mc::app {

struct GenerateOptions : MaskOutputOptions {
  std::filesystem::path image_path;
  bool dump_parse = false;
  bool dump_keypoints = false;
  std::uint64_t max_pixels = 0;
  inference::ModelSettings models;
  std::string environment_problems;  // bad variables, reported when the command runs
};

// Registers `maskcomponent generate`; defaults come from the environment
// (CHECKPOINTS_DIR, GPU_ID, MAX_IMAGE_PIXELS, PARSING_ATR_OUTPUT, PARSING_LIP_OUTPUT, POSE_MODEL,
// ORT_INTRA_OP_THREADS, ORT_INTER_OP_THREADS, ORT_GRAPH_OPTIMIZATION).
CLI::App* add_generate_command(CLI::App& app, GenerateOptions& options);

// The whole path for one local image: decode, parse, pose, masks, files.
// Throws core::InputError (bad image, no person), core::SetupError (checkpoints),
// std::runtime_error (I/O).
void run_generate_command(const GenerateOptions& options);

}  // namespace mc::app

#include "app/generate_command.hpp"

#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "adapters/image_decoding.hpp"
#include "adapters/local_files.hpp"
#include "app/mask_output.hpp"
#include "app/preview.hpp"
#include "core/mask_engine.hpp"
#include "core/errors.hpp"
#include "core/person_image.hpp"
#include "service/settings/service_settings.hpp"

namespace mc::app {

CLI::App* add_generate_command(CLI::App& app, GenerateOptions& options) {
  CLI::App* command =
      app.add_subcommand("generate", "Photo to garment masks: human parsing, pose and masks for one local image.");
  command->add_option("--image", options.image_path, "JPEG, PNG, WebP or BMP photo of one person")->required();
  command->add_option("--gender", options.gender, "M or F (also MALE, FEMALE, OTHER; any case)")->required();
  command->add_option("--types,--mask-types", options.types,
                      "Comma-separated mask types (default: all 7): upper_body, upper_body_tshirts, "
                      "upper_body_coat, lower_body, ethnic_combined, baggy_lower, dress");
  command->add_option("--out", options.out_dir, "Output folder; writes {type}_mask.png per type")->required();

  // Defaults from the environment, read as `serve` reads them; problems are
  // reported when the command runs (exit 2).
  service::SettingsReader environment(service::process_environment());
  options.models = service::read_model_settings(environment);
  options.max_pixels = service::read_max_image_pixels(environment);
  try {
    environment.throw_if_problems();
  } catch (const core::SetupError& error) {
    options.environment_problems = error.what();
  }
  command->add_option("--checkpoints", options.models.checkpoints_dir,
                      "Checkpoint folder (default: $CHECKPOINTS_DIR or ./checkpoints)");
  command->add_option("--gpu-id", options.models.gpu_id,
                      "CUDA device for ONNX Runtime's CUDA execution provider, -1 for the CPU (default: $GPU_ID or 0)");
  command
      ->add_option("--max-pixels", options.max_pixels, "Refuse larger images (default: $MAX_IMAGE_PIXELS or 40000000)")
      ->check(CLI::PositiveNumber);
  command->add_option("--atr-output", options.models.atr_output,
                      "ATR output to use, by name (default: $PARSING_ATR_OUTPUT or the second declared output)");
  command->add_option("--lip-output", options.models.lip_output,
                      "LIP output to use, by name (default: $PARSING_LIP_OUTPUT or the second declared output)");

  command
      ->add_option("--intra-op-threads", options.models.runtime.intra_op_threads,
                   "Threads per forward pass, 0 for all cores (default: $ORT_INTRA_OP_THREADS or 0)")
      ->check(CLI::Range(0, 256));
  command
      ->add_option("--inter-op-threads", options.models.runtime.inter_op_threads,
                   "Threads running independent graph branches; > 1 runs them in parallel "
                   "(default: $ORT_INTER_OP_THREADS or 1)")
      ->check(CLI::Range(1, 256));
  command
      ->add_option("--graph-optimization", options.models.runtime.graph_optimization,
                   "ONNX Runtime graph optimisation: disable, basic, extended, layout or all "
                   "(default: $ORT_GRAPH_OPTIMIZATION or all)")
      ->check(CLI::IsMember({"disable", "basic", "extended", "layout", "all"}));
  command
      ->add_option("--precision", options.models.runtime.precision,
                   "fp32, or bf16 through OpenVINO on a CPU with AMX-BF16 or AVX512-BF16 "
                   "(default: $INFERENCE_PRECISION or fp32)")
      ->check(CLI::IsMember({"fp32", "bf16"}));

  command->add_option("--preview", options.preview_path,
                      "Also write a PNG for people: the photo with each mask overlaid in red, one labelled "
                      "panel per type");
  command->add_option("--options", options.options_json,
                      "Mask options as JSON, the request's `options` object: dilate_px, dilate_percent, offsets, "
                      "protect, feather_px, outputs (mask, soft, agnostic, cutout), report (docs/algorithm.md "
                      "section 8)");
  command->add_option("--profile", options.profile, kProfileHelp);
  command->add_option("--category", options.category, kCategoryHelp);
  command->add_flag("--dump-parse", options.dump_parse, "Also write parse.png (labels 0..18 as pixel values)");
  command->add_flag("--dump-keypoints", options.dump_keypoints,
                    "Also write keypoints.json (the format `masks --keypoints` reads)");
  return command;
}

namespace {
// --dump-parse and --dump-keypoints.
void dump_analysis(const GenerateOptions& options, const inference::HumanAnalysis& analysis) {
  if (options.dump_parse) {
    adapters::write_png(options.out_dir / "parse.png", analysis.parse);
    std::cout << (options.out_dir / "parse.png").string() << '\n';
  }
  if (options.dump_keypoints) {
    nlohmann::json document = core::keypoints_to_json(analysis.keypoints);
    if (!analysis.warnings.empty()) document["warnings"] = analysis.warnings;
    adapters::write_text_file(options.out_dir / "keypoints.json", document.dump(1) + "\n");
    std::cout << (options.out_dir / "keypoints.json").string() << '\n';
  }
}
}  // namespace

void run_generate_command(const GenerateOptions& options) {
  if (!options.environment_problems.empty()) throw core::SetupError(options.environment_problems);
  const core::Gender gender = validate_cli_gender(options.gender);
  const core::MaskOptions mask_options = cli_mask_options(options);
  const bool profile = mask_options.profile != core::kDefaultProfile;
  const std::vector<core::MaskType> types =
      profile ? std::vector<core::MaskType>{} : requested_mask_types(options.types);
  const std::string bytes = adapters::read_file(options.image_path);
  const cv::Mat person = [&] {
    try {
      return core::to_person_image(adapters::decode_image(bytes, options.max_pixels), options.max_pixels);
    } catch (const core::InputError& error) {
      throw core::InputError(options.image_path.string() + ": " + error.what());
    }
  }();

  auto log = spdlog::stderr_color_st("generate");
  inference::AnalyzerPool pool(options.models, 1, *log);
  const inference::HumanAnalysis analysis = pool.acquire()->analyze(person);
  for (const auto& warning : analysis.warnings) log->warn("{}", warning);

  if (write_profile_files(options, mask_options, analysis.parse, analysis.keypoints,
                          analysis.wholebody ? &*analysis.wholebody : nullptr)) {
    dump_analysis(options, analysis);
    return;
  }
  core::GeneratedMasks generated = core::generate_masks(analysis.parse, analysis.keypoints, gender, types);
  apply_cli_options(options.out_dir, mask_options, generated, analysis.parse, analysis.keypoints, person,
                    {analysis.people_found, core::mean_keypoint_score(analysis.keypoints, analysis.keypoint_scores)},
                    analysis.hands);
  write_mask_files(options.out_dir, generated);
  dump_analysis(options, analysis);
  if (!options.preview_path.empty()) {
    adapters::write_png(options.preview_path, render_preview(person, generated));
    std::cout << options.preview_path.string() << '\n';
  }
}

}  // namespace mc::app

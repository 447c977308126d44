#include "app/masks_command.hpp"

#include <iostream>
#include <vector>

#include "adapters/local_files.hpp"
#include "app/mask_output.hpp"
#include "app/preview.hpp"
#include "core/errors.hpp"
#include "core/mask_engine.hpp"
#include "core/label_map.hpp"
#include "core/mask_types.hpp"

namespace mc::app {

CLI::App* add_masks_command(CLI::App& app, MasksOptions& options) {
  CLI::App* command =
      app.add_subcommand("masks", "Derive garment masks from a parse map and keypoints (no models involved).");
  command
      ->add_option("--parse", options.parse_path,
                   "8-bit single-channel label PNG, labels 0..18 (768 x 1024; other sizes are "
                   "resized with nearest neighbour)")
      ->required();
  command
      ->add_option("--keypoints", options.keypoints_path,
                   "JSON file {\"pose_keypoints_2d\": [[x, y], ...]} with 18 pairs in 384 x 512 "
                   "coordinates")
      ->required();
  command->add_option("--gender", options.gender, "M or F (also MALE, FEMALE, OTHER; any case)")->required();
  command->add_option("--types,--mask-types", options.types,
                      "Comma-separated mask types (default: all 7): upper_body, upper_body_tshirts, "
                      "upper_body_coat, lower_body, ethnic_combined, baggy_lower, dress");
  command->add_option("--out", options.out_dir, "Output folder; writes {type}_mask.png per type")->required();
  command->add_option("--preview", options.preview_path,
                      "Also write a PNG for people: the colour-coded parse map with each mask overlaid "
                      "in red, one labelled panel per type");
  command->add_option("--options", options.options_json,
                      "Mask options as JSON, the request's `options` object: dilate_px, dilate_percent, offsets, "
                      "protect, feather_px, outputs (mask, soft), report (docs/algorithm.md section 8)");
  command->add_option("--profile", options.profile, kProfileHelp);
  command->add_option("--category", options.category, kCategoryHelp);
  return command;
}

void run_masks_command(const MasksOptions& options) {
  const core::Gender gender = validate_cli_gender(options.gender);
  const core::MaskOptions mask_options = cli_mask_options(options);
  const std::vector<core::MaskType> types = mask_options.profile == core::kDefaultProfile
                                                ? requested_mask_types(options.types)
                                                : std::vector<core::MaskType>{};
  const cv::Mat parse = adapters::read_label_png(options.parse_path);
  const core::Keypoints keypoints = adapters::read_keypoints_json(options.keypoints_path);
  if (write_profile_files(options, mask_options, parse, keypoints)) return;

  core::GeneratedMasks generated = core::generate_masks(parse, keypoints, gender, types);
  // No pose step here: the people count and keypoint scores are unknown.
  apply_cli_options(options.out_dir, mask_options, generated, core::normalize_label_map(parse), keypoints, {}, {});

  write_mask_files(options.out_dir, generated);
  if (!options.preview_path.empty()) {
    adapters::write_png(options.preview_path, render_preview(colorize_labels(parse), generated));
    std::cout << options.preview_path.string() << '\n';
  }
}

}  // namespace mc::app

#include "app/preview_command.hpp"

#include <iostream>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "adapters/image_decoding.hpp"
#include "adapters/local_files.hpp"
#include "app/preview.hpp"
#include "core/errors.hpp"
#include "core/labels.hpp"
#include "core/mask_options.hpp"
#include "core/person_image.hpp"

namespace mc::app {

CLI::App* add_preview_command(CLI::App& app, PreviewOptions& options) {
  CLI::App* command = app.add_subcommand("preview", "Render the preview sheet of a photo and its mask PNGs.");
  command->add_option("--image", options.image_path, "The photo the masks were made from")->required();
  command->add_option("--masks", options.masks_dir, "Folder with {type}_mask.png files")->required();
  command->add_option("--out", options.out_path, "The PNG to write")->required();
  command->add_option("--show", options.show,
                      "Also show these outputs of --options, comma-separated: soft ({type}_mask_soft.png), agnostic "
                      "({type}_agnostic.png); a panel each");
  return command;
}

namespace {

// A picture this program wrote (a mask, a soft mask, an agnostic image) as
// 8-bit BGR; empty when it is missing or cannot be decoded, which the
// callers report with the size they expected.
cv::Mat read_picture(const std::filesystem::path& path) {
  try {
    return adapters::decode_image(adapters::read_file(path), core::kDefaultMaxImagePixels);
  } catch (const core::InputError&) {
    return {};
  }
}

}  // namespace

void run_preview_command(const PreviewOptions& options) {
  const cv::Mat person = core::to_person_image(adapters::decode_image(adapters::read_file(options.image_path)),
                                               core::kDefaultMaxImagePixels);
  core::GeneratedMasks masks;
  for (const core::MaskType type : core::kAllMaskTypes) {
    const auto path = options.masks_dir / core::mask_file_name(type);
    std::error_code error;
    if (!std::filesystem::exists(path, error)) continue;
    const cv::Mat picture = read_picture(path);
    cv::Mat mask;
    if (!picture.empty()) cv::cvtColor(picture, mask, cv::COLOR_BGR2GRAY);  // a grey mask's own values
    if (mask.size() != cv::Size(core::kImageWidth, core::kImageHeight)) {
      throw core::InputError(path.string() + ": not a 768 x 1024 mask");
    }
    masks.masks.emplace_back(type, mask);
  }
  if (masks.masks.empty()) throw core::InputError(options.masks_dir.string() + ": no {type}_mask.png files");
  std::vector<std::pair<std::string, cv::Mat>> extra_panels;
  std::stringstream shown(options.show);
  for (std::string output; std::getline(shown, output, ',');) {
    if (output.empty()) continue;
    if (output != "soft" && output != "agnostic") {
      throw core::InputError("--show: unknown output \"" + output + "\" (expected soft, agnostic)");
    }
    const core::MaskOutput kind = output == "soft" ? core::MaskOutput::kSoft : core::MaskOutput::kAgnostic;
    for (const auto& [type, mask] : masks.masks) {
      const auto path = options.masks_dir / core::artifact_file_name(core::mask_type_name(type), kind);
      cv::Mat image = read_picture(path);  // a soft mask becomes grey BGR
      if (image.size() != cv::Size(core::kImageWidth, core::kImageHeight)) {
        throw core::InputError(path.string() + ": missing or not a 768 x 1024 image");
      }
      extra_panels.emplace_back(std::string(core::mask_type_name(type)) + " " + output, image);
    }
  }
  adapters::write_png(options.out_path, render_preview(person, masks, extra_panels));
  std::cout << options.out_path.string() << '\n';
}

}  // namespace mc::app

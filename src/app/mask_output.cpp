#include "app/mask_output.hpp"

#include <iostream>
#include <stdexcept>

#include "adapters/local_files.hpp"
#include "core/errors.hpp"

namespace mc::app {

core::Gender validate_cli_gender(const std::string& gender) {
  if (const auto known = core::gender_from_text(gender)) return *known;
  throw core::InputError("unknown gender \"" + gender + "\" (expected M, F, MALE, FEMALE or OTHER)");
}

std::vector<core::MaskType> requested_mask_types(const std::string& list) {
  return list.empty() ? std::vector<core::MaskType>(core::kAllMaskTypes.begin(), core::kAllMaskTypes.end())
                      : core::parse_mask_type_list(list);
}

void write_mask_files(const std::filesystem::path& directory, const core::GeneratedMasks& masks) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) throw std::runtime_error(directory.string() + ": cannot create folder: " + error.message());
  for (const auto& [type, mask] : masks.masks) {
    const auto path = directory / core::mask_file_name(type);
    adapters::write_png(path, mask);
    std::cout << path.string() << '\n';
  }
}

}  // namespace mc::app

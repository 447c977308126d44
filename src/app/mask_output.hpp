#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/gender.hpp"
#include "core/mask_engine.hpp"
#include "core/mask_types.hpp"

namespace mc::app {

// Accepts M, F, MALE, FEMALE and OTHER in any case; throws InputError otherwise.
core::Gender validate_cli_gender(const std::string& gender);

// A comma-separated list of mask types; empty means all seven.
std::vector<core::MaskType> requested_mask_types(const std::string& list);

// Creates `directory` and writes {type}_mask.png for each mask, printing each path.
void write_mask_files(const std::filesystem::path& directory, const core::GeneratedMasks& masks);

}  // namespace mc::app

#include "core/mask_options.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/labels.hpp"
#include "core/utf8.hpp"

namespace mc::core {

namespace {

constexpr std::array<std::pair<ProtectedPart, std::string_view>, 7> kPartNames = {{{ProtectedPart::kHands, "hands"},
                                                                                   {ProtectedPart::kFace, "face"},
                                                                                   {ProtectedPart::kHair, "hair"},
                                                                                   {ProtectedPart::kHat, "hat"},
                                                                                   {ProtectedPart::kBag, "bag"},
                                                                                   {ProtectedPart::kShoes, "shoes"},
                                                                                   {ProtectedPart::kNeck, "neck"}}};
constexpr std::array<std::pair<MaskOutput, std::string_view>, 4> kOutputNames = {{{MaskOutput::kMask, "mask"},
                                                                                  {MaskOutput::kSoft, "soft"},
                                                                                  {MaskOutput::kAgnostic, "agnostic"},
                                                                                  {MaskOutput::kCutout, "cutout"}}};
constexpr std::array<std::string_view, 10> kOptionNames = {"dilate_px",  "dilate_percent", "offsets", "protect",
                                                           "feather_px", "outputs",        "report",  "profile",
                                                           "category",   "fitdit_offsets"};

// A sender's value quoted in an error, bounded.
std::string shown(const nlohmann::json& value) { return bounded_text(value.dump(), 64); }

template <typename Table>
std::string known_names(const Table& table) {
  std::string names;
  for (const auto& entry : table) {
    if (!names.empty()) names += ", ";
    if constexpr (std::is_same_v<std::decay_t<decltype(entry)>, std::string_view>) {
      names += entry;
    } else {
      names += entry.second;
    }
  }
  return names;
}

// Any JSON number with no fractional part is an integer, as JSON Schema's
// "integer" has it: 3, 3.0 and 3e0 alike (clients that compute a value in
// floating point send 12.0).
int integer_in(const nlohmann::json& value, const std::string& name, int low, int high) {
  const auto refused = [&] {
    return InputError(name + " must be an integer from " + std::to_string(low) + " to " + std::to_string(high) +
                      " (got " + shown(value) + ")");
  };
  if (!value.is_number()) throw refused();
  // Unsigned first: a huge unsigned value read as signed would wrap.
  if (value.is_number_unsigned()) {
    const unsigned long long number = value.get<unsigned long long>();
    if (number > static_cast<unsigned long long>(std::max(high, 0)) || static_cast<long long>(number) < low) {
      throw refused();
    }
    return static_cast<int>(number);
  }
  if (value.is_number_integer()) {
    const long long number = value.get<long long>();
    if (number < low || number > high) throw refused();
    return static_cast<int>(number);
  }
  const double number = value.get<double>();
  if (!(number >= low && number <= high) || number != std::trunc(number)) throw refused();
  return static_cast<int>(number);
}

template <typename Enum, typename Table>
std::vector<Enum> name_list(const nlohmann::json& value, const std::string& name, const Table& table,
                            const char* what) {
  if (!value.is_array()) throw InputError(name + " must be a list of " + what + " (got " + shown(value) + ")");
  std::vector<Enum> items;
  for (const auto& item : value) {
    const auto found = std::find_if(table.begin(), table.end(), [&](const auto& entry) {
      return item.is_string() && item.template get<std::string>() == entry.second;
    });
    if (found == table.end()) {
      throw InputError(name + " holds " + shown(item) + ", which is not one of " + known_names(table));
    }
    if (std::find(items.begin(), items.end(), found->first) == items.end()) items.push_back(found->first);
  }
  std::sort(items.begin(), items.end());
  return items;
}

std::string profile_names() {
  std::string names;
  for (const MaskProfile profile : kAllProfiles) {
    if (!names.empty()) names += ", ";
    names += profile_name(profile);
  }
  return names;
}

std::string category_names(const std::vector<Category>& categories) {
  std::string names;
  for (const Category category : categories) {
    if (!names.empty()) names += ", ";
    names += category_name(category);
  }
  return names;
}

// options.fitdit_offsets: {top, bottom, left, right}, each an integer in -200..200, only
// with profile fitdit (FitDiT's sliders; docs/algorithm.md section 9).
void read_fitdit_offsets(const nlohmann::json& value, MaskOptions& options) {
  const auto found = value.find("fitdit_offsets");
  if (found == value.end() || found->is_null()) return;
  if (options.profile != MaskProfile::kFitdit) {
    throw InputError("options.fitdit_offsets needs options.profile fitdit (got profile " +
                     std::string(profile_name(options.profile)) + ")");
  }
  if (!found->is_object()) {
    throw InputError("options.fitdit_offsets must be an object of top, bottom, left, right (got " + shown(*found) +
                     ")");
  }
  for (const auto& [side, amount] : found->items()) {
    const std::string name = "options.fitdit_offsets." + quote_excerpt(side);
    int* target = side == "top"      ? &options.fitdit_offsets.top
                  : side == "bottom" ? &options.fitdit_offsets.bottom
                  : side == "left"   ? &options.fitdit_offsets.left
                  : side == "right"  ? &options.fitdit_offsets.right
                                     : nullptr;
    if (target == nullptr) throw InputError(name + " is not a side (known: top, bottom, left, right)");
    if (!amount.is_null()) *target = integer_in(amount, name, -fitdit::kMaxOffset, fitdit::kMaxOffset);
  }
}

// options.profile and options.category (issue 31). `shaping` is the first
// other option given (report aside), which a profile refuses.
void read_profile(const nlohmann::json& value, MaskOptions& options, const std::string& shaping) {
  const auto profile_item = value.find("profile");
  if (profile_item != value.end() && !profile_item->is_null()) {
    const std::optional<MaskProfile> profile =
        profile_item->is_string() ? profile_from_name(profile_item->get<std::string>()) : std::nullopt;
    if (!profile) {
      if (profile_item->is_string() && profile_item->get<std::string>().rfind("fitdit", 0) == 0) {
        // Names other tools use (fitdit_hd): FitDiT has one mask code, so one profile.
        throw InputError("options.profile " + shown(*profile_item) +
                         " is not available: FitDiT's profile is fitdit (known: " + profile_names() + ")");
      }
      throw InputError("options.profile must be one of " + profile_names() + " (got " + shown(*profile_item) + ")");
    }
    options.profile = *profile;
  }
  read_fitdit_offsets(value, options);
  const auto category_item = value.find("category");
  const bool has_category = category_item != value.end() && !category_item->is_null();
  const std::string profile(profile_name(options.profile));
  if (options.profile == kDefaultProfile) {
    if (has_category) {
      throw InputError(
          "options.profile seed takes no options.category (seed makes mask_types; a category needs "
          "another profile)");
    }
    return;
  }
  if (!shaping.empty() || options.report) {
    throw InputError("options.profile " + profile + " makes the model's exact mask and takes no other option (got " +
                     (shaping.empty() ? std::string("options.report") : "options." + quote_excerpt(shaping)) + ")");
  }
  const std::vector<Category> categories = profile_categories(options.profile);
  if (has_category) {
    const std::optional<Category> category =
        category_item->is_string() ? category_from_name(category_item->get<std::string>()) : std::nullopt;
    if (!category || !profile_has_category(options.profile, *category)) {
      throw InputError("options.profile " + profile + " has no category " + shown(*category_item) +
                       " (its categories: " + category_names(categories) + ")");
    }
    options.category = *category;
  } else {
    options.category = categories.front();
  }
}

}  // namespace

std::string_view protected_part_name(ProtectedPart part) {
  for (const auto& [value, name] : kPartNames) {
    if (value == part) return name;
  }
  return "";
}

std::string_view mask_output_name(MaskOutput output) {
  for (const auto& [value, name] : kOutputNames) {
    if (value == output) return name;
  }
  return "";
}

std::string artifact_file_name(std::string_view mask_type, MaskOutput output) {
  const std::string type(mask_type);
  switch (output) {
    case MaskOutput::kMask:
      return type + "_mask.png";
    case MaskOutput::kSoft:
      return type + "_mask_soft.png";
    case MaskOutput::kAgnostic:
      return type + "_agnostic.png";
    case MaskOutput::kCutout:
      return type + "_cutout.png";
  }
  return type + "_mask.png";
}

bool MaskOptions::is_default() const {
  return !dilate_px && !dilate_percent && !offsets.any() && protect.empty() && !feather_px &&
         outputs == std::vector<MaskOutput>{MaskOutput::kMask} && !report && profile == kDefaultProfile;
}

bool MaskOptions::wants(MaskOutput output) const {
  return std::find(outputs.begin(), outputs.end(), output) != outputs.end();
}

bool MaskOptions::protects(ProtectedPart part) const {
  return std::find(protect.begin(), protect.end(), part) != protect.end();
}

MaskOptions parse_mask_options(const nlohmann::json& value) {
  MaskOptions options;
  if (value.is_null()) return options;
  if (!value.is_object()) throw InputError("options must be an object (got " + shown(value) + ")");
  bool other_than_report = false;
  std::string first_shaping_option;
  for (const auto& [key, item] : value.items()) {
    if (std::find(kOptionNames.begin(), kOptionNames.end(), key) == kOptionNames.end()) {
      throw InputError("options." + quote_excerpt(key) + " is not an option (known: " + known_names(kOptionNames) +
                       ")");
    }
    if (key != "report" && key != "profile" && key != "category" && key != "fitdit_offsets" && !item.is_null()) {
      other_than_report = true;
      if (first_shaping_option.empty()) first_shaping_option = key;
    }
  }
  // null means absent, as for the request's other fields.
  const auto field = [&](const char* name) -> const nlohmann::json* {
    const auto found = value.find(name);
    return found == value.end() || found->is_null() ? nullptr : &*found;
  };
  if (const auto* item = field("dilate_px")) options.dilate_px = integer_in(*item, "options.dilate_px", -50, 200);
  if (const auto* item = field("dilate_percent")) {
    if (!item->is_number() || !std::isfinite(item->get<double>()) || item->get<double>() < -5.0 ||
        item->get<double>() > 20.0) {
      throw InputError("options.dilate_percent must be a number from -5 to 20 (got " + shown(*item) + ")");
    }
    options.dilate_percent = item->get<double>();
  }
  if (options.dilate_px && options.dilate_percent) {
    throw InputError("options.dilate_px and options.dilate_percent cannot be given together");
  }
  if (const auto* item = field("offsets")) {
    if (!item->is_object()) {
      throw InputError("options.offsets must be an object of top, bottom, left, right (got " + shown(*item) + ")");
    }
    for (const auto& [side, amount] : item->items()) {
      const std::string name = "options.offsets." + quote_excerpt(side);
      int* target = side == "top"      ? &options.offsets.top
                    : side == "bottom" ? &options.offsets.bottom
                    : side == "left"   ? &options.offsets.left
                    : side == "right"  ? &options.offsets.right
                                       : nullptr;
      if (target == nullptr) throw InputError(name + " is not a side (known: top, bottom, left, right)");
      if (!amount.is_null()) *target = integer_in(amount, name, -500, 500);
    }
  }
  if (const auto* item = field("protect")) {
    options.protect = name_list<ProtectedPart>(*item, "options.protect", kPartNames, "parts");
  }
  if (const auto* item = field("feather_px")) options.feather_px = integer_in(*item, "options.feather_px", 1, 100);
  if (const auto* item = field("outputs")) {
    options.outputs = name_list<MaskOutput>(*item, "options.outputs", kOutputNames, "outputs");
    if (options.wants(MaskOutput::kSoft) && !options.feather_px) {
      throw InputError("options.outputs holds \"soft\", which needs options.feather_px (the ramp's width)");
    }
  }
  if (const auto* item = field("report")) {
    if (!item->is_boolean()) throw InputError("options.report must be true or false (got " + shown(*item) + ")");
    options.report = item->get<bool>();
  }
  // The binary mask is always stored, and feather_px is what asks for the soft one.
  if (!options.wants(MaskOutput::kMask)) options.outputs.push_back(MaskOutput::kMask);
  if (options.feather_px && !options.wants(MaskOutput::kSoft)) options.outputs.push_back(MaskOutput::kSoft);
  std::sort(options.outputs.begin(), options.outputs.end());
  if (other_than_report) options.report = true;
  read_profile(value, options, first_shaping_option);
  return options;
}

nlohmann::json mask_options_json(const MaskOptions& options) {
  nlohmann::json document = nlohmann::json::object();
  if (options.dilate_px) document["dilate_px"] = *options.dilate_px;
  if (options.dilate_percent) document["dilate_percent"] = *options.dilate_percent;
  if (options.offsets.any()) {
    document["offsets"] = {{"top", options.offsets.top},
                           {"bottom", options.offsets.bottom},
                           {"left", options.offsets.left},
                           {"right", options.offsets.right}};
  }
  if (!options.protect.empty()) {
    nlohmann::json parts = nlohmann::json::array();
    for (const ProtectedPart part : options.protect) parts.push_back(std::string(protected_part_name(part)));
    document["protect"] = parts;
  }
  if (options.feather_px) document["feather_px"] = *options.feather_px;
  // Only what differs from the default, so that the default reads back as
  // the default (any other key implies the report).
  if (options.outputs != std::vector<MaskOutput>{MaskOutput::kMask}) {
    nlohmann::json outputs = nlohmann::json::array();
    for (const MaskOutput output : options.outputs) outputs.push_back(std::string(mask_output_name(output)));
    document["outputs"] = outputs;
  }
  if (options.report) document["report"] = true;
  if (options.profile != kDefaultProfile) {
    document["profile"] = std::string(profile_name(options.profile));
    document["category"] = std::string(category_name(options.category));
  }
  if (options.fitdit_offsets.any()) {
    const fitdit::Offsets& o = options.fitdit_offsets;
    document["fitdit_offsets"] = {{"top", o.top}, {"bottom", o.bottom}, {"left", o.left}, {"right", o.right}};
  }
  return document;
}

}  // namespace mc::core

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
constexpr std::array<std::string_view, 7> kOptionNames = {"dilate_px",  "dilate_percent", "offsets", "protect",
                                                          "feather_px", "outputs",        "report"};

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

// Beyond the diagonal of any mask we shape (768 x 1024: 1280 pixels).
constexpr double kMaxRadius = 2048.0;

bool missing(cv::Point2f point) { return point.x <= 1.0F && point.y <= 1.0F; }

// Distance of each non-zero pixel of `source` to its nearest zero pixel
// (exact Euclidean); `source` must hold a zero pixel.
cv::Mat distances(const cv::Mat& source) {
  cv::Mat distance;
  cv::distanceTransform(source, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE, CV_32F);
  return distance;
}

cv::Rect mask_box(const cv::Mat& mask, int margin) {
  const cv::Rect box = cv::boundingRect(mask);
  if (box.empty()) return box;
  return cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
         cv::Rect(0, 0, mask.cols, mask.rows);
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
         outputs == std::vector<MaskOutput>{MaskOutput::kMask} && !report;
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
  for (const auto& [key, item] : value.items()) {
    if (std::find(kOptionNames.begin(), kOptionNames.end(), key) == kOptionNames.end()) {
      throw InputError("options." + quote_excerpt(key) + " is not an option (known: " + known_names(kOptionNames) +
                       ")");
    }
    if (key != "report" && !item.is_null()) other_than_report = true;
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
  return document;
}

PersonHeight person_height(const cv::Mat& parse_full, const Keypoints& keypoints) {
  const cv::Point2f top = !missing(keypoints[kNose]) ? keypoints[kNose] : keypoints[kNeckPoint];
  std::optional<float> bottom;
  for (const KeypointId ankle : {kRightAnkle, kLeftAnkle}) {
    if (!missing(keypoints[ankle])) bottom = std::max(bottom.value_or(keypoints[ankle].y), keypoints[ankle].y);
  }
  if (!missing(top) && bottom && *bottom > top.y)
    return {2.0 * (static_cast<double>(*bottom) - static_cast<double>(top.y)), true};
  return {static_cast<double>(cv::boundingRect(parse_full).height), false};
}

int dilation_radius(const MaskOptions& options, const PersonHeight& height) {
  if (options.dilate_px) return *options.dilate_px;
  if (options.dilate_percent) {
    // Bounded before rounding: keypoints from a file may lie anywhere in
    // float's range, and no radius beyond the image's diagonal changes a mask.
    const double radius = *options.dilate_percent * height.pixels / 100.0;
    return static_cast<int>(std::lround(std::clamp(radius, -kMaxRadius, kMaxRadius)));
  }
  return 0;
}

cv::Mat dilate_disc(const cv::Mat& mask, int radius) {
  cv::Mat result = mask.clone();
  if (radius == 0) return result;
  if (radius > 0) {
    // Every pixel of the grown box lies within the radius or not; those outside it are farther.
    const cv::Rect box = mask_box(mask, radius + 1);
    if (box.empty()) return result;
    cv::Mat background;
    cv::compare(mask(box), 0, background, cv::CMP_EQ);
    cv::Mat within;
    cv::compare(distances(background), static_cast<double>(radius), within, cv::CMP_LE);
    cv::Mat target = result(box);
    cv::bitwise_or(target, within, target);
    return result;
  }
  const cv::Rect box = mask_box(mask, 1);
  if (box.empty()) return result;
  cv::Mat inside;
  cv::compare(mask(box), 0, inside, cv::CMP_NE);
  if (cv::countNonZero(inside) == static_cast<int>(inside.total())) return result;  // no edge within the image
  cv::Mat near_edge;
  cv::compare(distances(inside), static_cast<double>(-radius), near_edge, cv::CMP_LE);
  result(box).setTo(0, near_edge);
  return result;
}

namespace {

// Moves the top (towards_start) or bottom side of every column's runs of a
// 0/255 mask by `amount`, in place, in one pass over the rows whatever the
// amount: a counter per column holds how far the nearest mask pixel lies
// (growing: scanned from the far end) or how long the run is so far
// (shrinking: scanned from the near end, outside the image counting as mask).
void move_columns(cv::Mat& mask, int amount, bool towards_start) {
  if (amount == 0) return;
  const int n = std::abs(amount);
  const bool grow = amount > 0;
  const bool from_first_row = towards_start != grow;
  std::vector<int> counter(static_cast<std::size_t>(mask.cols), grow ? n + 1 : n);
  for (int i = 0; i < mask.rows; ++i) {
    auto* row = mask.ptr<std::uint8_t>(from_first_row ? i : mask.rows - 1 - i);
    for (int x = 0; x < mask.cols; ++x) {
      int& c = counter[static_cast<std::size_t>(x)];
      const bool on = row[x] != 0;
      if (grow) {
        c = on ? 0 : std::min(c + 1, n + 1);  // rows to the nearest mask pixel at or beyond this one
        row[x] = c <= n ? 255 : 0;
      } else {
        c = on ? std::min(c + 1, n + 1) : 0;  // this run's pixels up to this one, capped
        row[x] = c > n ? 255 : 0;
      }
    }
  }
}

}  // namespace

cv::Mat offset_sides(const cv::Mat& mask, const SideOffsets& offsets) {
  cv::Mat result = mask.clone();
  move_columns(result, offsets.top, true);
  move_columns(result, offsets.bottom, false);
  if (offsets.left == 0 && offsets.right == 0) return result;
  // Left and right are top and bottom of the transposed mask.
  cv::Mat turned;
  cv::transpose(result, turned);
  move_columns(turned, offsets.left, true);
  move_columns(turned, offsets.right, false);
  cv::transpose(turned, result);
  return result;
}

std::vector<HandDisc> hand_discs(const Keypoints& keypoints) {
  std::vector<HandDisc> discs;
  for (const auto& [elbow_id, wrist_id] : {std::pair{kRightElbow, kRightWrist}, std::pair{kLeftElbow, kLeftWrist}}) {
    const cv::Point2f elbow = keypoints[elbow_id];
    const cv::Point2f wrist = keypoints[wrist_id];
    if (missing(elbow) || missing(wrist)) continue;
    const cv::Point2d elbow_d(elbow.x, elbow.y);
    const cv::Point2d wrist_d(wrist.x, wrist.y);
    const cv::Point2d forearm = wrist_d - elbow_d;
    const cv::Point2d centre = wrist_d + 0.5 * forearm;
    discs.push_back({centre * 2.0, 2.0 * 0.7 * std::hypot(forearm.x, forearm.y)});
  }
  return discs;
}

cv::Mat protection_mask(const cv::Mat& parse_full, const std::vector<ProtectedPart>& parts,
                        const std::vector<HandDisc>& discs) {
  LabelSet labels;
  bool hands = false;
  for (const ProtectedPart part : parts) {
    switch (part) {
      case ProtectedPart::kHands:
        hands = true;
        break;
      case ProtectedPart::kFace:
        labels.add(kFace);
        labels.add(kSunglasses);
        break;
      case ProtectedPart::kHair:
        labels.add(kHair);
        break;
      case ProtectedPart::kHat:
        labels.add(kHat);
        break;
      case ProtectedPart::kBag:
        labels.add(kBag);
        break;
      case ProtectedPart::kShoes:
        labels.add(kLeftShoe);
        labels.add(kRightShoe);
        break;
      case ProtectedPart::kNeck:
        labels.add(kNeck);
        break;
    }
  }
  cv::Mat covered = labels.select(parse_full);
  if (!hands) return covered;
  for (const HandDisc& disc : discs) {
    const double r2 = disc.radius * disc.radius;
    // Clamped in double: a disc from a keypoints file may lie far outside int's range.
    const auto bound = [](double value, int size) {
      return static_cast<int>(std::clamp(value, -1.0, static_cast<double>(size)));
    };
    const int x0 = std::max(0, bound(std::floor(disc.centre.x - disc.radius), covered.cols));
    const int x1 = std::min(covered.cols - 1, bound(std::ceil(disc.centre.x + disc.radius), covered.cols));
    const int y0 = std::max(0, bound(std::floor(disc.centre.y - disc.radius), covered.rows));
    const int y1 = std::min(covered.rows - 1, bound(std::ceil(disc.centre.y + disc.radius), covered.rows));
    for (int y = y0; y <= y1; ++y) {
      auto* row = covered.ptr<std::uint8_t>(y);
      const double dy = y - disc.centre.y;
      for (int x = x0; x <= x1; ++x) {
        const double dx = x - disc.centre.x;
        if (dx * dx + dy * dy <= r2) row[x] = 255;
      }
    }
  }
  return covered;
}

cv::Mat feather_mask(const cv::Mat& mask, int width) {
  cv::Mat soft = cv::Mat::zeros(mask.size(), CV_8UC1);
  // Pixels farther than width / 2 + 1 outside the mask's box stay 0.
  const cv::Rect box = mask_box(mask, width / 2 + 2);
  if (box.empty()) return soft;
  const cv::Mat region = mask(box);
  cv::Mat inside;
  cv::compare(region, 0, inside, cv::CMP_NE);
  const int inside_count = cv::countNonZero(inside);
  if (inside_count == static_cast<int>(inside.total())) {
    // No edge in the box: then the box is the whole image, all of it mask.
    soft(box).setTo(255);
    return soft;
  }
  cv::Mat outside;
  cv::bitwise_not(inside, outside);
  const cv::Mat inner = distances(inside);   // mask pixels: to the nearest non-mask pixel
  const cv::Mat outer = distances(outside);  // the rest: to the nearest mask pixel
  const double w = width;
  for (int y = 0; y < region.rows; ++y) {
    const auto* in = inside.ptr<std::uint8_t>(y);
    const auto* d_in = inner.ptr<float>(y);
    const auto* d_out = outer.ptr<float>(y);
    auto* out = soft.ptr<std::uint8_t>(box.y + y) + box.x;
    for (int x = 0; x < region.cols; ++x) {
      const double s = in[x] != 0 ? static_cast<double>(d_in[x]) - 0.5 : 0.5 - static_cast<double>(d_out[x]);
      out[x] = cv::saturate_cast<std::uint8_t>(255.0 * (0.5 + s / w));
    }
  }
  return soft;
}

cv::Mat agnostic_image(const cv::Mat& photo_bgr, const cv::Mat& mask) {
  cv::Mat image = photo_bgr.clone();
  image.setTo(cv::Scalar(128, 128, 128), mask);
  return image;
}

cv::Mat cutout_image(const cv::Mat& photo_bgr, const cv::Mat& alpha) {
  cv::Mat image(photo_bgr.size(), CV_8UC4);
  const std::array<cv::Mat, 2> sources = {photo_bgr, alpha};
  const std::array<int, 8> from_to = {0, 0, 1, 1, 2, 2, 3, 3};
  cv::mixChannels(sources.data(), sources.size(), &image, 1, from_to.data(), 4);
  return image;
}

MaskShaper::MaskShaper(const MaskOptions& options, const cv::Mat& parse_full, const Keypoints& keypoints)
    : options_(options) {
  if (options.dilate_percent) {
    const PersonHeight height = person_height(parse_full, keypoints);
    if (!height.from_keypoints) {
      warnings_.push_back("person height from the parse map: the nose and neck, or both ankles, are not visible");
    }
    radius_ = dilation_radius(options, height);
  } else {
    radius_ = dilation_radius(options, {});
  }
  if (!options.protect.empty()) {
    const std::vector<HandDisc> discs = hand_discs(keypoints);
    if (options.protects(ProtectedPart::kHands) && discs.empty()) {
      warnings_.push_back("hands not visible: protect hands had no effect");
    }
    protected_ = protection_mask(parse_full, options.protect, discs);
  }
}

ShapedMask MaskShaper::shape(const cv::Mat& mask) const {
  ShapedMask shaped{mask, {}};
  if (radius_ != 0) shaped.mask = dilate_disc(shaped.mask, radius_);
  if (options_.offsets.any()) shaped.mask = offset_sides(shaped.mask, options_.offsets);
  if (!protected_.empty()) {
    if (shaped.mask.data == mask.data) shaped.mask = mask.clone();  // masks may share buffers: never draw on one
    shaped.mask.setTo(0, protected_);
  }
  if (options_.feather_px) shaped.soft = feather_mask(shaped.mask, *options_.feather_px);
  return shaped;
}

}  // namespace mc::core

#include "service/processing/stored_analysis.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/png_codec.hpp"
#include "core/base64.hpp"
#include "core/errors.hpp"
#include "core/digest.hpp"
#include "core/image_header.hpp"
#include "core/json_text.hpp"
#include "core/keypoints.hpp"

namespace mc::service {

namespace {
// 2: with keypoint_scores and people_found; 3: with hands; 4: with wholebody (null for OpenPose)
constexpr int kFormat = 4;
constexpr int kLabelCount = 19;  // the parse map's labels are 0..18 (inference::HumanAnalysis)
constexpr int kMapWidth = 768;
constexpr int kMapHeight = 1024;
constexpr long long kMaxPeople = 8400;  // YOLOX-L's anchors: the most boxes DWPose can count
constexpr std::size_t kMaxDepth = 4;    // the document, the hands, a hand, a pair (wholebody: 3)
constexpr std::size_t kMaxHandPoints = 21;
}  // namespace

std::string encode_analysis(const inference::HumanAnalysis& analysis, const std::string& key) {
  const std::vector<std::uint8_t> png = adapters::encode_png(analysis.parse);
  nlohmann::json keypoints = nlohmann::json::array();
  for (const auto& point : analysis.keypoints) keypoints.push_back({point.x, point.y});
  nlohmann::json hands = nlohmann::json::array();
  for (const auto& hand : analysis.hands) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& point : hand) points.push_back({point.x, point.y});
    hands.push_back(points);
  }
  nlohmann::json wholebody = nullptr;
  if (analysis.wholebody) {
    wholebody = nlohmann::json::array();
    for (const auto& point : *analysis.wholebody) wholebody.push_back({point.x, point.y});
  }
  return nlohmann::json{
      {"format", kFormat},
      {"key", key},
      {"parse_png", core::encode_base64(std::string_view(reinterpret_cast<const char*>(png.data()), png.size()))},
      {"keypoints", keypoints},
      {"keypoint_scores", analysis.keypoint_scores},
      {"people_found", analysis.people_found},
      {"hands", hands},
      {"wholebody", wholebody},
      {"warnings", analysis.warnings}}
      .dump();
}

std::optional<inference::HumanAnalysis> decode_analysis(std::string_view bytes, const std::string& key,
                                                        std::string& problem) {
  // Objects in the bucket are untrusted: every size is checked before the
  // memory for it is taken (the JSON, then the PNG's declared size).
  if (bytes.size() > kMaxStoredAnalysisBytes) {
    problem = "larger than " + std::to_string(kMaxStoredAnalysisBytes) + " bytes";
    return std::nullopt;
  }
  // Deep nesting is refused before the document is built: 2 MiB of "[" would
  // take a tree of millions of nodes.
  if (std::string text = core::json_text_problem(bytes, kMaxDepth); !text.empty()) {
    problem = "unreadable: " + text;
    return std::nullopt;
  }
  try {
    const nlohmann::json document = nlohmann::json::parse(bytes);
    // Integers checked as such first: converting 2.5e57 to int is undefined
    // (found by fuzz/fuzz_analysis).
    const auto integer = [&document](const char* name) {
      const auto found = document.find(name);
      if (found == document.end() || !found->is_number_integer()) {
        throw std::invalid_argument(std::string(name) + " is not an integer");
      }
      return found->get<long long>();
    };
    const auto format = document.find("format");  // end() also when no object
    if (format == document.end() || !format->is_number_integer() || format->get<long long>() != kFormat) {
      problem = "unknown format";
      return std::nullopt;
    }
    if (document.value("key", "") != key) {
      problem = "made for another image or models";
      return std::nullopt;
    }
    const std::string png = core::decode_base64(document.at("parse_png").get<std::string>());
    // A small PNG can declare gigapixels of zeros (a decompression bomb):
    // only the one size a parse map has is decoded.
    const core::ImageHeader header = core::inspect_image(png, static_cast<std::uint64_t>(kMapWidth) * kMapHeight);
    if (header.format != core::ImageFormat::kPng || header.width != kMapWidth || header.height != kMapHeight) {
      problem = "parse map declares " + std::to_string(header.width) + " x " + std::to_string(header.height) + " " +
                std::string(core::image_format_name(header.format)) + ", not a 768 x 1024 PNG";
      return std::nullopt;
    }
    inference::HumanAnalysis analysis;
    try {
      analysis.parse = adapters::decode_png(png, header.width, header.height);
    } catch (const core::InputError& error) {
      problem = std::string("parse map is not a 768 x 1024 label image (") + error.what() + ")";
      return std::nullopt;
    }
    if (analysis.parse.type() != CV_8UC1 || analysis.parse.cols != kMapWidth || analysis.parse.rows != kMapHeight) {
      problem = "parse map is not a 768 x 1024 label image";
      return std::nullopt;
    }
    double highest = 0;
    cv::minMaxLoc(analysis.parse, nullptr, &highest);
    if (highest >= kLabelCount) {
      problem = "parse map has labels out of range";
      return std::nullopt;
    }
    // The same checks as a keypoints file (count, pairs, finite, within float).
    analysis.keypoints = core::keypoints_from_json(nlohmann::json{{"pose_keypoints_2d", document.at("keypoints")}});
    // The report (`options.report`) shows these: a hit reports what a miss does.
    const auto scores = document.at("keypoint_scores").get<std::vector<double>>();
    if (scores.size() != analysis.keypoint_scores.size()) {
      problem = "wrong number of keypoint scores";
      return std::nullopt;
    }
    for (std::size_t i = 0; i < scores.size(); ++i) {
      if (!(scores[i] >= 0.0 && scores[i] <= 1e6)) {  // also false for NaN
        problem = "keypoint score out of range";
        return std::nullopt;
      }
      analysis.keypoint_scores[i] = static_cast<float>(scores[i]);
    }
    const long long people = integer("people_found");
    if (people < 0 || people > kMaxPeople) {
      problem = "people_found out of range";
      return std::nullopt;
    }
    analysis.people_found = static_cast<int>(people);
    const nlohmann::json& hands = document.at("hands");
    if (!hands.is_array() || hands.size() != analysis.hands.size()) {
      problem = "hands is not a pair of point lists";
      return std::nullopt;
    }
    for (std::size_t side = 0; side < analysis.hands.size(); ++side) {
      const nlohmann::json& points = hands[side];
      if (!points.is_array() || points.size() > kMaxHandPoints) {
        problem = "a hand is not a list of at most " + std::to_string(kMaxHandPoints) + " points";
        return std::nullopt;
      }
      for (const auto& point : points) {
        const auto finite = [](const nlohmann::json& v) {
          return v.is_number() && std::abs(v.get<double>()) <= 1e6;  // also false for NaN
        };
        if (!point.is_array() || point.size() != 2 || !finite(point[0]) || !finite(point[1])) {
          problem = "a hand point is not a finite [x, y] pair";
          return std::nullopt;
        }
        analysis.hands[side].emplace_back(point[0].get<float>(), point[1].get<float>());
      }
    }
    // FitDiT reads these (the profile fitdit): exactly 134 pairs, as the analysis made them
    // (0 for a point not seen, never negative).
    const nlohmann::json& wholebody = document.at("wholebody");
    if (!wholebody.is_null()) {
      if (!wholebody.is_array() || wholebody.size() != core::fitdit::kPointCount) {
        problem = "wholebody is not a list of " + std::to_string(core::fitdit::kPointCount) + " points";
        return std::nullopt;
      }
      core::fitdit::WholeBodyPoints points{};
      for (std::size_t i = 0; i < points.size(); ++i) {
        const nlohmann::json& point = wholebody[i];
        const auto in_range = [](const nlohmann::json& v) {
          return v.is_number() && v.get<double>() >= 0.0 && v.get<double>() <= 1e6;  // also false for NaN
        };
        if (!point.is_array() || point.size() != 2 || !in_range(point[0]) || !in_range(point[1])) {
          problem = "a wholebody point is not an [x, y] pair of numbers from 0 to 1e6";
          return std::nullopt;
        }
        points[i] = {point[0].get<float>(), point[1].get<float>()};
      }
      analysis.wholebody = points;
    }
    // Bounded before any is copied: each is logged on every hit.
    const nlohmann::json& warnings = document.at("warnings");
    if (!warnings.is_array() || warnings.size() > kMaxStoredWarnings) {
      problem = "more than " + std::to_string(kMaxStoredWarnings) + " warnings";
      return std::nullopt;
    }
    for (const auto& warning : warnings) {
      if (!warning.is_string() || warning.get_ref<const std::string&>().size() > kMaxStoredWarningBytes) {
        problem = "a warning is not a string of at most " + std::to_string(kMaxStoredWarningBytes) + " bytes";
        return std::nullopt;
      }
      analysis.warnings.push_back(warning.get<std::string>());
    }
    return analysis;
  } catch (const std::exception& error) {
    problem = std::string("unreadable: ") + error.what();
    return std::nullopt;
  }
}

namespace {
constexpr std::size_t kMacHexLength = 64;
std::string mac_hex(std::string_view document, const std::string& key, const std::string& secret) {
  const std::string mac = core::hmac_sha256(secret, "maskcomponent analysis\n" + key + "\n" + std::string(document));
  return core::to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}
}  // namespace

std::string seal_entry(const std::string& document, const std::string& key, const std::string& secret) {
  return mac_hex(document, key, secret) + "\n" + document;
}

std::optional<std::string_view> open_entry(std::string_view object, const std::string& key, const std::string& secret,
                                           std::string& problem) {
  if (secret.empty()) {
    problem = "no key to verify it (ANALYSIS_CACHE_KEY)";
    return std::nullopt;
  }
  if (object.size() <= kMacHexLength || object[kMacHexLength] != '\n') {
    problem = "not sealed";
    return std::nullopt;
  }
  const std::string_view document = object.substr(kMacHexLength + 1);
  if (!core::same_in_constant_time(object.substr(0, kMacHexLength), mac_hex(document, key, secret))) {
    problem = "seal does not match (written without ANALYSIS_CACHE_KEY, or for another key)";
    return std::nullopt;
  }
  return document;
}

}  // namespace mc::service

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "inference/human_analyzer.hpp"

namespace mc::service {

// The most a stored analysis may take (a 768 x 1024 PNG that does not
// compress at all, in base64, is about 1.05 MB).
inline constexpr std::size_t kMaxStoredAnalysisBytes = 2U << 20U;

// The most warnings a stored analysis may hold, and their most bytes each:
// pose post-processing gives at most one (core::estimate_pose), and each is
// logged on every hit.
inline constexpr std::size_t kMaxStoredWarnings = 8;
inline constexpr std::size_t kMaxStoredWarningBytes = 512;

// One stored analysis: a small JSON document naming its key, with the parse
// map as a PNG (compressed) in base64, the keypoints, their scores, the
// number of people found and the warnings.
std::string encode_analysis(const inference::HumanAnalysis& analysis, const std::string& key);
// The analysis of `bytes` when it is one for `key` and well formed (at most
// kMaxStoredAnalysisBytes, a 768 x 1024 map of labels 0..18, 18 finite
// keypoints and scores, at most kMaxStoredWarnings warnings); otherwise nothing, and `problem` says why. The bytes
// may come from anyone who can write the bucket: every size is checked
// before memory is taken for it.
std::optional<inference::HumanAnalysis> decode_analysis(std::string_view bytes, const std::string& key,
                                                        std::string& problem);

// An entry as the bucket holds it: the hex HMAC-SHA256 under `secret` of the
// key and `document`, a newline, then `document`. The key is in the MAC, so an
// entry copied to another key is as foreign as a forged one.
std::string seal_entry(const std::string& document, const std::string& key, const std::string& secret);
// The document of `object` when its MAC is right for `key` and `secret`;
// otherwise nothing, and `problem` says why. Nothing is parsed before.
std::optional<std::string_view> open_entry(std::string_view object, const std::string& key, const std::string& secret,
                                           std::string& problem);

}  // namespace mc::service

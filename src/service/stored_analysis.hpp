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

// One stored analysis: a small JSON document naming its key, with the parse
// map as a PNG (compressed) in base64, the keypoints, their scores, the
// number of people found and the warnings.
std::string encode_analysis(const inference::HumanAnalysis& analysis, const std::string& key);
// The analysis of `bytes` when it is one for `key` and well formed (at most
// kMaxStoredAnalysisBytes, a 768 x 1024 map of labels 0..18, 18 finite
// keypoints and scores); otherwise nothing, and `problem` says why. The bytes
// may come from anyone who can write the bucket: every size is checked
// before memory is taken for it.
std::optional<inference::HumanAnalysis> decode_analysis(std::string_view bytes, const std::string& key,
                                                        std::string& problem);

}  // namespace mc::service

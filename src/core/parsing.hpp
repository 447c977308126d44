#pragma once

#include <array>

#include <opencv2/core.hpp>

namespace mc::core {

// Pre- and post-processing of the SCHP human-parsing networks (docs/algorithm.md section 2).
// Pure functions: the forward pass itself lives in the inference layer.

// Per-channel normalisation of the network input, in the network's channel
// order (B, G, R): value = (pixel / 255 - mean) / std.
struct ParsingNormalization {
  std::array<double, 3> mean{0.406, 0.456, 0.485};
  std::array<double, 3> std{0.225, 0.224, 0.229};
};

// The 2x3 affine transform from a w x h image into the S x S network input:
// uniform scale (S-1)/(max(w,h)-1), image centred (docs/algorithm.md section 2, step 2).
cv::Mat parsing_affine(cv::Size image, int input_size);

// The network input for `bgr` (8-bit, 3 channels): warped into S x S
// (bilinear, black border), normalised, as a [1, 3, S, S] float blob.
cv::Mat parsing_input_blob(const cv::Mat& bgr, int input_size, const ParsingNormalization& normalization = {});

// Labels from the fusion logits ([1, C, s, s] float): bilinear upsampling to
// S x S with aligned corners, inverse warp to `image`, argmax over channels
// (first maximum wins). Returns CV_8UC1 of size `image`.
cv::Mat parsing_labels(const cv::Mat& fusion_logits, int input_size, cv::Size image);

// The ATR hole refinement (docs/algorithm.md section 2, "ATR refinement"), including the reference's
// uint8 wrap-around for arm pixels inside a big hole.
cv::Mat refine_atr_labels(const cv::Mat& atr_labels);

// The final parse map: refined ATR labels with the neck (18) where ATR says
// face (11) and LIP does not say face (13).
cv::Mat merge_neck(const cv::Mat& refined_atr, const cv::Mat& lip_labels);

}  // namespace mc::core

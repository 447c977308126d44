#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core.hpp>

#include "core/keypoints.hpp"
#include "core/mask_profiles.hpp"
#include "core/mask_types.hpp"

namespace mc::core {

// Per-request mask options (issue 20, docs/algorithm.md section 8). They
// apply to each finished mask of section 5, in this order: dilation (or
// erosion), per-side offsets, protection; then the soft mask, the agnostic
// image and the cutout are made from the result.

enum class ProtectedPart { kHands, kFace, kHair, kHat, kBag, kShoes, kNeck };
enum class MaskOutput { kMask, kSoft, kAgnostic, kCutout };

std::string_view protected_part_name(ProtectedPart part);
std::string_view mask_output_name(MaskOutput output);

// Pixels each side of a mask moves outwards (negative: inwards).
struct SideOffsets {
  int top = 0;
  int bottom = 0;
  int left = 0;
  int right = 0;
  [[nodiscard]] bool any() const { return top != 0 || bottom != 0 || left != 0 || right != 0; }
};

struct MaskOptions {
  std::optional<int> dilate_px;          // -50..200
  std::optional<double> dilate_percent;  // -5..20, of the person's height
  SideOffsets offsets;                   // each -500..500
  std::vector<ProtectedPart> protect;    // in enum order, no repeats
  std::optional<int> feather_px;         // 1..100
  // In enum order, no repeats; always holds kMask (the binary mask is always
  // stored: mask_paths names it), and kSoft exactly when feather_px is set.
  std::vector<MaskOutput> outputs{MaskOutput::kMask};
  bool report = false;  // mask_info in the result; set by any option but `report: false`
  // Issue 31: a profile other than seed makes that model's exact mask of
  // `category` instead of the mask types; it takes no other option.
  MaskProfile profile = kDefaultProfile;
  Category category = Category::kUpperBody;
  // options.fitdit_offsets: FitDiT's four offsets, only with profile fitdit.
  fitdit::Offsets fitdit_offsets;

  // Absent, {} or {"report": false}: every output as without options.
  [[nodiscard]] bool is_default() const;
  [[nodiscard]] bool wants(MaskOutput output) const;
  [[nodiscard]] bool protects(ProtectedPart part) const;
};

// The object name of one output of a mask type: {type}_mask.png,
// {type}_mask_soft.png, {type}_agnostic.png, {type}_cutout.png.
std::string artifact_file_name(std::string_view mask_type, MaskOutput output);

// Reads the request's `options` object. Throws InputError naming the option:
// "options.dilate_px must be an integer from -50 to 200 (got 300)",
// "options.profile ootd_hd has no category lower_body (its categories: upper_body)". The
// caller adds "Invalid request: ". `value` must be nested at most
// kMaxJsonDepth deep (read_message and cli_mask_options see to it): quoting
// a value in an error is recursive.
MaskOptions parse_mask_options(const nlohmann::json& value);

// The options as a JSON object parse_mask_options reads back to the same
// options (stored with the request record): only what differs from the default ({} for it).
nlohmann::json mask_options_json(const MaskOptions& options);

// The person's height in 768 x 1024 pixels: from the nose (else the neck) to
// the lower ankle, from the keypoints (x 2); when one of them is missing, the
// height of the bounding box of the parse map's non-zero labels (0 for an
// empty map). `from_keypoints` says which.
struct PersonHeight {
  double pixels = 0.0;
  bool from_keypoints = false;
};
PersonHeight person_height(const cv::Mat& parse_full, const Keypoints& keypoints);

// The dilation radius in pixels the options ask for: dilate_px, or
// dilate_percent x height / 100 rounded half away from zero; 0 for neither.
int dilation_radius(const MaskOptions& options, const PersonHeight& height);

// Grows a 0/255 mask by every pixel whose centre lies within `radius` pixels
// (Euclidean, centre to centre) of a mask pixel: a dilation with a disc of that
// radius. A negative radius removes every mask pixel within -radius of a
// non-mask pixel (the mirror image; outside the image counts as neither).
cv::Mat dilate_disc(const cv::Mat& mask, int radius);

// Moves each side of every mask column (top, bottom) and row (left, right)
// by its offset: top = 5 adds the 5 pixels above each column's runs, top =
// -5 removes the top 5 pixels of each run (a run touching the image's edge
// keeps them). Applied top, bottom, left, right; one pass per side whatever
// the amount.
cv::Mat offset_sides(const cv::Mat& mask, const SideOffsets& offsets);

// A hand disc in 768 x 1024 pixel coordinates: centred at wrist + 0.5 x
// (wrist - elbow), radius 0.7 x |wrist - elbow| (both x 2 from the keypoints'
// 384 x 512), for each side whose wrist and elbow are both present (a part
// is missing when x <= 1 and y <= 1, as in section 4 step 3).
struct HandDisc {
  cv::Point2d centre;
  double radius = 0.0;
};
// Sides with a hand region (hand_regions) get no disc.
std::vector<HandDisc> hand_discs(const Keypoints& keypoints, const HandKeypoints& hands = {});

// A hand from its keypoints (DWPose), in 768 x 1024 pixel coordinates: the convex hull of the
// side's visible hand points, grown by `margin` = max(4, 0.25 x the hull's longer side) pixels
// (the fingers' width beyond their joints), for each side with at least 3 points.
struct HandRegion {
  std::vector<cv::Point> hull;
  int margin = 0;
};
std::vector<HandRegion> hand_regions(const HandKeypoints& hands);

// 0/255 image of what `parts` protect: their parse labels (face: 11 and 3,
// hair: 2, hat: 1, bag: 16, shoes: 9 and 10, neck: 18) and, for hands, every
// pixel (x, y) with (x - cx)^2 + (y - cy)^2 <= r^2 of a hand disc, and every pixel of a hand
// region (its hull filled, its outline drawn 2 x margin + 1 thick with round joints).
cv::Mat protection_mask(const cv::Mat& parse_full, const std::vector<ProtectedPart>& parts,
                        const std::vector<HandDisc>& discs, const std::vector<HandRegion>& regions = {});

// The soft mask: 8-bit, from the signed distance s of each pixel's centre
// to the mask's edge (inside: distance to the nearest non-mask pixel - 0.5;
// outside: -(distance to the nearest mask pixel - 0.5)), the value
// round(255 x (0.5 + s / width)) clamped to 0..255. So 255 inside farther than
// width / 2 from the edge, 0 outside likewise, a linear ramp between.
cv::Mat feather_mask(const cv::Mat& mask, int width);

// The photo (8-bit BGR, the mask's size) with every mask pixel set to grey 128.
cv::Mat agnostic_image(const cv::Mat& photo_bgr, const cv::Mat& mask);

// 8-bit BGRA: the photo's colours, `alpha` (the binary or soft mask) as alpha.
cv::Mat cutout_image(const cv::Mat& photo_bgr, const cv::Mat& alpha);

// One mask after the options: the binary mask and, with feather_px, its soft
// mask (else empty).
struct ShapedMask {
  cv::Mat mask;
  cv::Mat soft;
};

// Applies the options of one request to each of its masks; what depends on
// the request only (the radius, the protected pixels) is computed once.
class MaskShaper {
 public:
  MaskShaper(const MaskOptions& options, const cv::Mat& parse_full, const Keypoints& keypoints,
             const HandKeypoints& hands = {});
  [[nodiscard]] ShapedMask shape(const cv::Mat& mask) const;
  [[nodiscard]] int radius() const { return radius_; }
  // What the caller should know: "hands not visible: protect hands had no
  // effect", "person height from the parse map: ...".
  [[nodiscard]] const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  const MaskOptions& options_;
  int radius_ = 0;
  cv::Mat protected_;  // empty when nothing is protected
  std::vector<std::string> warnings_;
};

}  // namespace mc::core

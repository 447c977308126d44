#pragma once

#include <optional>
#include <string_view>

namespace mc::core {

// The gender of a request (docs/compatibility.md section 2).
enum class Gender { kMale, kFemale, kOther };

// The text published in results and stored in rows: "M", "F" or "other".
std::string_view gender_text(Gender gender);
// M/MALE -> kMale, F/FEMALE -> kFemale, OTHER -> kOther, in any case (no
// spaces around); nothing for any other text.
std::optional<Gender> gender_from_text(std::string_view text);

// Which column of the gender table (docs/algorithm.md section 5) a request
// uses: male for kMale, female for everything else (the Python service's
// behaviour).
enum class GenderColumn { kMale, kFemale };
GenderColumn gender_column(Gender gender);

}  // namespace mc::core

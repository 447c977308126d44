// Outcomes: how a message ended and, when it failed, its failure kind.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

#include "core/result_messages.hpp"
#include "service/operations/outcome.hpp"

namespace mc::service {
namespace {

TEST(FailureKind, NamesAreStableDistinctSnakeCase) {
  std::set<std::string> names;
  for (const FailureKind kind : kAllFailureKinds) {
    const std::string name(failure_kind_name(kind));
    ASSERT_FALSE(name.empty());
    for (const char c : name) EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || c == '_') << name;
    names.insert(name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"invalid_request", "image_unavailable", "invalid_image", "no_person",
                                          "inference", "infrastructure", "internal"}));
  EXPECT_EQ(outcome_kind_name(OutcomeKind::kCompleted), "completed");
  EXPECT_EQ(outcome_kind_name(OutcomeKind::kAnsweredFromRecord), "answered_from_record");
  EXPECT_EQ(outcome_kind_name(OutcomeKind::kFailed), "failed");
}

TEST(Outcome, FailedCarriesItsKindAndTheSameMessagesAsBefore) {
  const core::RequestIdentity who{"u", core::Gender::kFemale, "r"};
  const Outcome outcome = failed_outcome(FailureKind::kImageUnavailable, who, "Max retries exceeded: x", "{}", 3);
  EXPECT_EQ(outcome.kind, OutcomeKind::kFailed);
  EXPECT_EQ(outcome.failure, FailureKind::kImageUnavailable);
  EXPECT_EQ(outcome.key, "u");
  const std::string at = outcome.result["processed_at"];
  EXPECT_EQ(outcome.result, core::failed_result(who, "Max retries exceeded: x", at));
  ASSERT_TRUE(outcome.poison);
  EXPECT_EQ(outcome.poison->message(), core::poison_message(who, "Max retries exceeded: x", "{}", 3, at));
  EXPECT_EQ(outcome.result.dump().find("image_unavailable"), std::string::npos) << "the kind is not published";
}

TEST(Outcome, CompletedAndAnsweredHaveNoFailure) {
  const core::RequestIdentity who{"u", core::Gender::kMale, "r"};
  const std::map<core::MaskType, std::string> urls{{core::MaskType::kDress, "http://h/u/r/dress_mask.png"}};
  const Outcome computed = completed_outcome(who, urls);
  const Outcome answered = answered_from_record(who, urls);
  EXPECT_EQ(computed.kind, OutcomeKind::kCompleted);
  EXPECT_EQ(answered.kind, OutcomeKind::kAnsweredFromRecord);
  for (const Outcome* outcome : {&computed, &answered}) {
    EXPECT_FALSE(outcome->failure);
    EXPECT_FALSE(outcome->poison);
    EXPECT_EQ(outcome->key, "u");
    EXPECT_EQ(outcome->result, core::completed_result(who, urls, outcome->result["processed_at"]));
  }
}

}  // namespace
}  // namespace mc::service

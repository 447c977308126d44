// HTTP_API_* settings and the status code of each outcome (service/http_api*).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/errors.hpp"
#include "service/http_api.hpp"
#include "service/http_api_settings.hpp"

namespace mc::service {
namespace {

HttpApiSettings read(const std::map<std::string, std::string>& variables) {
  SettingsReader env([&](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  });
  HttpApiSettings settings = read_http_api_settings(env);
  env.throw_if_problems();
  return settings;
}

TEST(HttpApiSettingsTest, OffByDefaultAndOnLoopbackWhenTurnedOn) {
  EXPECT_EQ(read({}).port, 0);
  const HttpApiSettings on = read({{"HTTP_API_PORT", "8080"}});
  EXPECT_EQ(on.port, 8080);
  EXPECT_EQ(on.bind_address, "127.0.0.1");
  EXPECT_TRUE(on.token.empty());
}

TEST(HttpApiSettingsTest, BeyondLoopbackWithoutATokenIsAConfigurationError) {
  try {
    read({{"HTTP_API_PORT", "8080"}, {"HTTP_API_BIND_ADDRESS", "0.0.0.0"}});
    FAIL() << "accepted";
  } catch (const core::SetupError& error) {
    EXPECT_NE(std::string(error.what()).find("HTTP_API_TOKEN"), std::string::npos) << error.what();
  }
  const HttpApiSettings guarded =
      read({{"HTTP_API_PORT", "8080"}, {"HTTP_API_BIND_ADDRESS", "0.0.0.0"}, {"HTTP_API_TOKEN", "secret-token"}});
  EXPECT_EQ(guarded.token, "secret-token");
  EXPECT_NO_THROW(read({{"HTTP_API_PORT", "8080"}, {"HTTP_API_BIND_ADDRESS", "::1"}}));
}

TEST(HttpApiSettingsTest, TheQueueBoundIsChecked) {
  EXPECT_THROW(read({{"HTTP_API_MAX_QUEUE", "0"}}), core::SetupError);
  EXPECT_EQ(read({{"HTTP_API_MAX_QUEUE", "3"}}).max_queue, 3);
}

TEST(HttpApiStatusTest, EachFailureClassHasItsCode) {
  Outcome outcome;
  outcome.kind = OutcomeKind::kCompleted;
  EXPECT_EQ(http_status_of(outcome), 200);
  outcome.kind = OutcomeKind::kAnsweredFromRecord;
  EXPECT_EQ(http_status_of(outcome), 200);
  outcome.kind = OutcomeKind::kFailed;
  const std::map<FailureKind, int> expected = {
      {FailureKind::kInvalidRequest, 400}, {FailureKind::kImageUnavailable, 422}, {FailureKind::kInvalidImage, 422},
      {FailureKind::kNoPerson, 422},       {FailureKind::kInference, 500},        {FailureKind::kInfrastructure, 500},
      {FailureKind::kInternal, 500}};
  for (const FailureKind kind : kAllFailureKinds) {
    outcome.failure = kind;
    EXPECT_EQ(http_status_of(outcome), expected.at(kind)) << failure_kind_name(kind);
  }
}

TEST(HttpApiStatusTest, TheBodyBoundFitsAnImageOfTheLimitAsBase64) {
  EXPECT_EQ(http_api_body_limit(3), 4U + 64 * 1024);
  EXPECT_EQ(http_api_body_limit(25 * 1024 * 1024), (25U * 1024 * 1024 + 2) / 3 * 4 + 64 * 1024);
}

}  // namespace
}  // namespace mc::service

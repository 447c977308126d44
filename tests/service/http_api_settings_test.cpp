// HTTP_API_* settings and the status code of each outcome (service/http_api*).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/errors.hpp"
#include "service/http/http_api.hpp"
#include "service/http/http_api_checks.hpp"
#include "service/settings/http_api_settings.hpp"

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

TEST(HttpApiSettingsTest, TheBodyTimeoutIsThirtySecondsUnlessSet) {
  EXPECT_EQ(read({}).body_timeout, std::chrono::seconds(30));
  EXPECT_EQ(read({{"HTTP_API_BODY_TIMEOUT_SECONDS", "3"}}).body_timeout, std::chrono::seconds(3));
  EXPECT_THROW(read({{"HTTP_API_BODY_TIMEOUT_SECONDS", "0"}}), core::SetupError);
}

// RFC 9110 11.1: the scheme is case-insensitive; the token is not.
TEST(HttpApiChecksTest, TheBearerSchemeInAnyCase) {
  for (const char* header : {"Bearer t0ken", "bearer t0ken", "BEARER t0ken", "bEaReR   t0ken", " Bearer t0ken "}) {
    EXPECT_TRUE(bearer_matches(header, "t0ken")) << header;
  }
  for (const char* header : {"", "t0ken", "Bearer", "Bearer ", "Bearer T0KEN", "Bearer t0ken2", "Basic t0ken",
                             "Bearert0ken", "Bearer t0 ken"}) {
    EXPECT_FALSE(bearer_matches(header, "t0ken")) << header;
  }
}

TEST(HttpApiChecksTest, OnlyJsonBodies) {
  for (const char* type : {"application/json", "Application/JSON", "application/json; charset=utf-8",
                           "application/json;charset=UTF-8", " application/json "}) {
    EXPECT_TRUE(is_json_media_type(type)) << type;
  }
  for (const char* type :
       {"", "text/plain", "text/plain; charset=application/json", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/jsonp", "application/json-seq"}) {
    EXPECT_FALSE(is_json_media_type(type)) << type;
  }
}

TEST(HttpApiChecksTest, TheHostNamesTheBoundAddressAndPort) {
  EXPECT_TRUE(host_allowed("127.0.0.1:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(host_allowed("localhost:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(host_allowed("LocalHost:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(host_allowed("[::1]:8080", "::1", 8080));
  EXPECT_TRUE(host_allowed("localhost:8080", "::1", 8080));
  EXPECT_TRUE(host_allowed("127.0.0.1", "127.0.0.1", 80)) << "no port: 80";
  for (const char* host : {"", "127.0.0.1", "127.0.0.1:8081", "127.0.0.1:18080", "evil.example:8080",
                           "attacker.localhost:8080", "127.0.0.2:8080", "[::1]:8080", "localhost"}) {
    EXPECT_FALSE(host_allowed(host, "127.0.0.1", 8080)) << host;
  }
  EXPECT_FALSE(host_allowed("localhost:8080", "10.0.0.5", 8080)) << "localhost is only loopback's";
}

TEST(HttpApiChecksTest, AnOriginIsAbsentOrThisServer) {
  EXPECT_TRUE(origin_allowed("", "127.0.0.1:8080"));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080"));
  EXPECT_TRUE(origin_allowed("http://localhost:8080", "localhost:8080"));
  for (const char* origin : {"null", "http://evil.example", "http://127.0.0.1:8081", "https://127.0.0.1:8080",
                             "http://127.0.0.1:8080.evil.example", "http://localhost:8080"}) {
    EXPECT_FALSE(origin_allowed(origin, "127.0.0.1:8080")) << origin;
  }
  EXPECT_FALSE(origin_allowed("http://", "")) << "no Host to compare with";
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

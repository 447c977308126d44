// Log lines: one JSON object each, bounded whatever the message and fields hold.
#include "service/operations/json_log.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include <spdlog/sinks/ostream_sink.h>

namespace mc::service {
namespace {

TEST(JsonLog, EveryStringOfALineIsCutTo2048Bytes) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_pattern("{%v}");
  const std::string huge(100000, 'x');
  RequestLog log(logger, huge, "r");
  log.error("process", "request_failed", huge, {{"nested", {{"error", huge}}}, {"count", 3}});
  const std::string line = out.str();
  EXPECT_LT(line.size(), 4 * 2200U) << "four cut strings and the fixed fields";
  const auto object = nlohmann::json::parse(line);
  for (const std::string& value : {object["message"].get<std::string>(), object["user_id"].get<std::string>(),
                                   object["nested"]["error"].get<std::string>()}) {
    EXPECT_LE(value.size(), kMaxLoggedValueBytes);
    EXPECT_EQ(value.rfind("xxxx", 0), 0U);
  }
  EXPECT_EQ(object["request_id"], "r");
  EXPECT_EQ(object["count"], 3);
}

TEST(JsonLog, AStagesLinesCarryItsStageAndEachLinesEvent) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_pattern("{%v}");
  const StageLog log(logger, "kafka");
  log.warn("consume_error", "broker down", {{"partition", 3}});
  const auto object = nlohmann::json::parse(out.str());
  EXPECT_EQ(
      object,
      nlohmann::json({{"stage", "kafka"}, {"event", "consume_error"}, {"message", "broker down"}, {"partition", 3}}));
}

// The inference layer's plain messages (quotes, braces and all) stay one JSON object per line.
TEST(JsonLog, PlainTextMessagesBecomeJsonLines) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_pattern("{%v}");
  const auto text = make_text_to_json_logger(logger, "inference", "inference");
  text->warn("INFERENCE_PRECISION=bf16: \"{}\" {{x}}", "why");
  const auto object = nlohmann::json::parse(out.str());
  EXPECT_EQ(object, nlohmann::json({{"stage", "inference"},
                                    {"event", "inference"},
                                    {"message", "INFERENCE_PRECISION=bf16: \"why\" {x}"}}));
}

}  // namespace
}  // namespace mc::service

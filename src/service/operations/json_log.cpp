#include "service/operations/json_log.hpp"

#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "core/utf8.hpp"

namespace mc::service {

namespace {

// Every string in the line (the message, echoed ids, error texts) cut as
// results cut them, so that no sender or dependency can make a line large.
void bound_strings(nlohmann::json& value) {
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().size() > kMaxLoggedValueBytes) {
      value = core::bounded_text(value.get_ref<const std::string&>(), kMaxLoggedValueBytes);
    }
  } else if (value.is_structured()) {
    for (auto& item : value) bound_strings(item);
  }
}

// Hands each plain message to a StageLog of the JSON logger.
class TextToJsonSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  TextToJsonSink(spdlog::logger& target, std::string stage, std::string event)
      : target_(target), stage_(std::move(stage)), event_(std::move(event)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    StageLog(target_, stage_)
        .log(message.level, event_, std::string_view(message.payload.data(), message.payload.size()));
  }
  void flush_() override { target_.flush(); }

 private:
  spdlog::logger& target_;
  std::string stage_;
  std::string event_;
};

}  // namespace

std::shared_ptr<spdlog::logger> make_text_to_json_logger(spdlog::logger& target, std::string stage, std::string event) {
  auto logger = std::make_shared<spdlog::logger>(
      target.name(), std::make_shared<TextToJsonSink>(target, std::move(stage), std::move(event)));
  logger->set_level(target.level());
  return logger;
}

std::shared_ptr<spdlog::logger> make_json_logger(const std::string& name, const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(name, sink);
  // %v is the rest of the object, written by log_json.
  logger->set_pattern(R"({"timestamp":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n",%v})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  return logger;
}

void log_json(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
              const nlohmann::json& fields) noexcept {
  // Logging is called from catch blocks and callbacks that must not throw:
  // a line that cannot be made (out of memory) is lost, nothing else.
  try {
    if (!logger.should_log(level)) return;
    nlohmann::json object = fields.is_object() ? fields : nlohmann::json::object();
    object["message"] = std::string(message);
    bound_strings(object);
    std::string text = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // Drop the braces: the pattern supplies them around the fixed fields.
    logger.log(level, "{}", std::string_view(text).substr(1, text.size() - 2));
  } catch (...) {
  }
}

void StageLog::log(spdlog::level::level_enum level, std::string_view event, std::string_view message,
                   nlohmann::json extra) const noexcept {
  try {
    if (!extra.is_object()) extra = nlohmann::json::object();
    extra["stage"] = stage_;
    extra["event"] = std::string(event);
    log_json(logger_, level, message, extra);
  } catch (...) {  // no memory for the line: it is lost, nothing else
  }
}

void RequestLog::log(spdlog::level::level_enum level, std::string_view stage, std::string_view event,
                     std::string_view message, nlohmann::json extra) const {
  if (!extra.is_object()) extra = nlohmann::json::object();
  if (!user_id_.empty()) extra["user_id"] = user_id_;
  if (!request_id_.empty()) extra["request_id"] = request_id_;
  extra["stage"] = std::string(stage);
  extra["event"] = std::string(event);
  log_json(logger_, level, message, extra);
}

}  // namespace mc::service

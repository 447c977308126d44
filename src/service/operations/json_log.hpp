#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace mc::service {

// A logger writing one JSON object per line to stderr: timestamp (UTC),
// level, logger, message and any extra fields (the Python service's structured logging).
std::shared_ptr<spdlog::logger> make_json_logger(const std::string& name, const std::string& level);

// A logger for code that logs plain text (the inference layer: GPU_ID and
// INFERENCE_PRECISION as resolved, ONNX Runtime's own messages): each message
// becomes one line of `target` with stage `stage` and event `event`, its text
// the line's escaped "message". `target` must outlive it.
std::shared_ptr<spdlog::logger> make_text_to_json_logger(spdlog::logger& target, std::string stage, std::string event);

// The most bytes of any one string in a log line (the message or a field's
// value); longer ones are cut as results' errors are ("...(N bytes)").
constexpr std::size_t kMaxLoggedValueBytes = 2048;

// Logs `message` with `fields` merged into the line's object, each string cut
// to kMaxLoggedValueBytes. Never throws.
void log_json(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
              const nlohmann::json& fields = nlohmann::json::object()) noexcept;

// The lines of one stage of the service that are not about one request (the
// consume loop, publishing, start-up): each carries that `stage` and its
// `event`. Never throws.
class StageLog {
 public:
  StageLog(spdlog::logger& logger, std::string stage) : logger_(logger), stage_(std::move(stage)) {}
  void log(spdlog::level::level_enum level, std::string_view event, std::string_view message,
           nlohmann::json extra = nlohmann::json::object()) const noexcept;
  void info(std::string_view event, std::string_view message,
            nlohmann::json extra = nlohmann::json::object()) const noexcept {
    log(spdlog::level::info, event, message, std::move(extra));
  }
  void warn(std::string_view event, std::string_view message,
            nlohmann::json extra = nlohmann::json::object()) const noexcept {
    log(spdlog::level::warn, event, message, std::move(extra));
  }
  void error(std::string_view event, std::string_view message,
             nlohmann::json extra = nlohmann::json::object()) const noexcept {
    log(spdlog::level::err, event, message, std::move(extra));
  }

 private:
  spdlog::logger& logger_;
  std::string stage_;
};

// The context of one request: every line carries its user_id and request_id,
// plus the stage and event. One per request, never shared between threads.
class RequestLog {
 public:
  RequestLog(spdlog::logger& logger, std::string user_id, std::string request_id)
      : logger_(logger), user_id_(std::move(user_id)), request_id_(std::move(request_id)) {}
  void identify(std::string user_id, std::string request_id) {
    user_id_ = std::move(user_id);
    request_id_ = std::move(request_id);
  }
  void log(spdlog::level::level_enum level, std::string_view stage, std::string_view event, std::string_view message,
           nlohmann::json extra = nlohmann::json::object()) const;
  void info(std::string_view stage, std::string_view event, std::string_view message,
            nlohmann::json extra = nlohmann::json::object()) const {
    log(spdlog::level::info, stage, event, message, std::move(extra));
  }
  void warn(std::string_view stage, std::string_view event, std::string_view message,
            nlohmann::json extra = nlohmann::json::object()) const {
    log(spdlog::level::warn, stage, event, message, std::move(extra));
  }
  void error(std::string_view stage, std::string_view event, std::string_view message,
             nlohmann::json extra = nlohmann::json::object()) const {
    log(spdlog::level::err, stage, event, message, std::move(extra));
  }

 private:
  spdlog::logger& logger_;
  std::string user_id_;
  std::string request_id_;
};

}  // namespace mc::service

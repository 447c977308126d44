#include "service/settings/http_api_settings.hpp"

namespace mc::service {

bool is_loopback_address(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

HttpApiSettings read_http_api_settings(SettingsReader& env) {
  HttpApiSettings api;
  api.port = static_cast<int>(env.number("HTTP_API_PORT", api.port, 0, 65535));
  api.bind_address = env.optional("HTTP_API_BIND_ADDRESS", api.bind_address);
  api.token = env.secret("HTTP_API_TOKEN", "");
  api.max_queue = static_cast<int>(env.number("HTTP_API_MAX_QUEUE", api.max_queue, 1, 1024));
  api.body_timeout = env.duration("HTTP_API_BODY_TIMEOUT_SECONDS", api.body_timeout, 1, 3600);
  if (api.port > 0 && api.token.empty() && !is_loopback_address(api.bind_address)) {
    env.problem("HTTP_API_BIND_ADDRESS " + api.bind_address +
                " is beyond loopback: set HTTP_API_TOKEN (clients then send Authorization: Bearer <token>)");
  }
  return api;
}

}  // namespace mc::service

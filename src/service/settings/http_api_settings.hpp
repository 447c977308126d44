#pragma once

#include <chrono>
#include <string>

#include "service/settings/environment.hpp"

namespace mc::service {

// The synchronous HTTP API (POST /v1/masks and the page at /), README "HTTP API".
struct HttpApiSettings {
  int port = 0;                            // HTTP_API_PORT (0: off)
  std::string bind_address = "127.0.0.1";  // HTTP_API_BIND_ADDRESS
  std::string token;                       // HTTP_API_TOKEN (empty: none; required beyond loopback)
  int max_queue = 8;                       // HTTP_API_MAX_QUEUE: requests admitted at once; one more gets 429
  std::chrono::seconds body_timeout{30};   // HTTP_API_BODY_TIMEOUT_SECONDS: a request's whole body, however it trickles
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_address(const std::string& address);

// Reads the HTTP_API_* variables; a bind address beyond loopback without a
// token is a configuration error (anyone who reaches the port could use the
// models and write to the bucket).
HttpApiSettings read_http_api_settings(SettingsReader& env);

}  // namespace mc::service

#include "service/civet_server.hpp"

#include <civetweb.h>

#include <mutex>

namespace mc::service {

namespace {

int silent(const mg_connection*, const char*) { return 1; }

}  // namespace

void send_answer(mg_connection* connection, const HttpAnswer& answer, bool head) {
  mg_response_header_start(connection, answer.status);
  mg_response_header_add(connection, "Content-Type", answer.type, -1);
  const std::string length = std::to_string(answer.body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  if (answer.retry_after > 0) {
    const std::string seconds = std::to_string(answer.retry_after);
    mg_response_header_add(connection, "Retry-After", seconds.c_str(), -1);
  }
  if (answer.challenge) mg_response_header_add(connection, "WWW-Authenticate", "Bearer", -1);
  if (answer.no_store) mg_response_header_add(connection, "Cache-Control", "no-store", -1);
  mg_response_header_add(connection, "Connection", "close", -1);
  mg_response_header_send(connection);
  if (!head) mg_write(connection, answer.body.data(), answer.body.size());
}

mg_context* start_civetweb(const std::string& address, int port, const CivetLimits& limits,
                           int (*begin_request)(mg_connection*), void* user_data) {
  static std::once_flag initialised;
  std::call_once(initialised, [] { mg_init_library(0); });
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  const std::string ports = host + ":" + std::to_string(port);
  const std::string threads = std::to_string(limits.threads);
  const char* options[] = {"listening_ports",
                           ports.c_str(),
                           "num_threads",
                           threads.c_str(),
                           "request_timeout_ms",
                           limits.request_timeout_ms,
                           "max_request_size",
                           limits.max_request_size,
                           "enable_keep_alive",
                           "no",
                           "connection_queue",
                           limits.connection_queue,
                           "listen_backlog",
                           limits.listen_backlog,
                           nullptr};
  mg_callbacks callbacks{};
  callbacks.begin_request = begin_request;
  callbacks.log_message = &silent;
  return mg_start(&callbacks, user_data, options);
}

}  // namespace mc::service

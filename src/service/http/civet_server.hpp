#pragma once

#include <cstddef>
#include <string>

struct mg_connection;
struct mg_context;

// What our two CivetWeb servers (the operators' endpoint, status_server, and
// the synchronous API, http_api) share: how an answer is written and how a
// server is started with bounds on what one client can hold.
namespace mc::service {

struct HttpAnswer {
  int status = 500;
  std::string body;
  const char* type = "text/plain; charset=utf-8";
  int retry_after = 0;     // Retry-After, in seconds, when > 0
  bool challenge = false;  // WWW-Authenticate: Bearer
  bool no_store = false;   // Cache-Control: no-store
};

// One answer per connection (Connection: close); HEAD gets the headers only.
void send_answer(mg_connection* connection, const HttpAnswer& answer, bool head);

struct CivetLimits {
  int threads;                     // requests served at once
  const char* request_timeout_ms;  // reading a request's headers, and each read or write
  const char* max_request_size;    // request line and headers together, bytes
  const char* connection_queue;    // accepted connections waiting for a thread
  const char* listen_backlog;
};

// Starts CivetWeb on address:port (an IPv6 address is bracketed), every
// request going to `begin_request` with `user_data`, keep-alive off and
// CivetWeb's own messages (they name the client's bytes) not logged.
// nullptr when it cannot listen.
mg_context* start_civetweb(const std::string& address, int port, const CivetLimits& limits,
                           int (*begin_request)(mg_connection*), void* user_data);

// The stacks of every HTTP thread started so far (both servers): each is
// checked at its start (fewer than 256 KiB free above its thread-local
// storage ends the process with exit code 2, naming the cause), and its
// deepest use is measured when it exits (at stop). docs/operations.md.
struct HttpStackFigures {
  std::size_t threads = 0;            // HTTP threads started
  std::size_t least_free_bytes = 0;   // the smallest stack any of them had free at its start
  std::size_t deepest_use_bytes = 0;  // the most any exited one used below its start
};
HttpStackFigures http_stack_figures();

}  // namespace mc::service

#include "service/http/civet_server.hpp"

#include <civetweb.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

namespace mc::service {

namespace {

int silent(const mg_connection*, const char*) { return 1; }

// What a thread may use below its entry: glibc takes the thread-local storage
// of every loaded library (about 94 KB here) out of the stack size CivetWeb
// asks for, so a build with small stacks (Debian's: 100 KiB) leaves a worker
// a few KB. Below this, serving HTTP would overflow: refuse to run.
constexpr std::size_t kMinimumFreeStack = 256 * 1024;

struct StackBounds {
  std::uintptr_t low = 0;    // lowest usable address (above the guard page)
  std::uintptr_t entry = 0;  // the stack pointer when the thread started
};

StackBounds current_stack() {
  StackBounds bounds;
  pthread_attr_t attributes;
  if (pthread_getattr_np(pthread_self(), &attributes) != 0) return bounds;
  void* address = nullptr;
  std::size_t size = 0;
  if (pthread_attr_getstack(&attributes, &address, &size) == 0) bounds.low = reinterpret_cast<std::uintptr_t>(address);
  pthread_attr_destroy(&attributes);
  volatile char here = 0;
  bounds.entry = reinterpret_cast<std::uintptr_t>(&here);
  return bounds;
}

// The deepest any HTTP thread went, measured when it exits: the lowest page
// of its stack that the kernel ever had to provide (mincore: resident), so
// no painting and no memory of its own.
std::size_t deepest_use(const StackBounds& bounds) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t first = (bounds.low + page - 1) / page * page;
  const std::uintptr_t last = bounds.entry / page * page;
  if (bounds.low == 0 || last <= first) return 0;
  std::vector<unsigned char> resident((last - first) / page);
  if (::mincore(reinterpret_cast<void*>(first), last - first, resident.data()) != 0) return 0;
  const auto touched = std::find_if(resident.begin(), resident.end(), [](unsigned char flags) { return flags & 1; });
  if (touched == resident.end()) return 0;
  return bounds.entry - (first + static_cast<std::uintptr_t>(touched - resident.begin()) * page);
}

std::atomic<std::size_t> g_threads{0};
std::atomic<std::size_t> g_least_free{std::numeric_limits<std::size_t>::max()};
std::atomic<std::size_t> g_deepest{0};

void lower_to(std::atomic<std::size_t>& value, std::size_t candidate) {
  std::size_t seen = value.load();
  while (candidate < seen && !value.compare_exchange_weak(seen, candidate)) {
  }
}
void raise_to(std::atomic<std::size_t>& value, std::size_t candidate) {
  std::size_t seen = value.load();
  while (candidate > seen && !value.compare_exchange_weak(seen, candidate)) {
  }
}

void* on_thread_start(const mg_context*, int) {
  auto* bounds = new StackBounds(current_stack());
  const std::size_t free = bounds->entry > bounds->low ? bounds->entry - bounds->low : 0;
  if (bounds->low != 0 && free < kMinimumFreeStack) {
    // Silently serving would overwrite a neighbouring thread's memory.
    std::fprintf(stderr,
                 "maskcomponent: an HTTP thread has %zu bytes of stack, fewer than %zu: CivetWeb must be the "
                 "build of scripts/setup.sh (1 MiB stacks)\n",
                 free, kMinimumFreeStack);
    std::_Exit(2);
  }
  ++g_threads;
  lower_to(g_least_free, free);
  return bounds;
}

void on_thread_exit(const mg_context*, int, void* thread_pointer) {
  const std::unique_ptr<StackBounds> bounds(static_cast<StackBounds*>(thread_pointer));
  if (bounds) raise_to(g_deepest, deepest_use(*bounds));
}

}  // namespace

HttpStackFigures http_stack_figures() {
  const std::size_t threads = g_threads.load();
  return {threads, threads == 0 ? 0 : g_least_free.load(), g_deepest.load()};
}

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
  callbacks.init_thread = &on_thread_start;
  callbacks.exit_thread = &on_thread_exit;
  return mg_start(&callbacks, user_data, options);
}

}  // namespace mc::service

#include "service/http/body_deadlines.hpp"

#include <civetweb.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace mc::service {

namespace {

// How soon a stop cuts the bodies being read (StopState has no notification).
constexpr std::chrono::milliseconds kStopPoll{100};

struct Endpoint {
  std::string address;  // numeric, as CivetWeb writes remote_addr
  int port = 0;
};

bool endpoint_of(int fd, bool peer, Endpoint& endpoint) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  const int got = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length)
                       : ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  if (got != 0 || (address.ss_family != AF_INET && address.ss_family != AF_INET6)) return false;
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host, sizeof host, service, sizeof service,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  endpoint.address = host;
  endpoint.port = std::stoi(service);
  return true;
}

// Shuts the socket between the server's port and the client's address and
// port for reading. CivetWeb does not tell a connection's socket; the
// connection is open while its Watch is held (the caller holds the lock the
// Watch needs to end), and no other open socket has the same ends.
void cut_reading(int server_port, const Endpoint& client) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    Endpoint local;
    Endpoint remote;
    if (endpoint_of(fd, false, local) && local.port == server_port && endpoint_of(fd, true, remote) &&
        remote.port == client.port && remote.address == client.address) {
      ::shutdown(fd, SHUT_RD);
      return;
    }
  }
}

}  // namespace

struct BodyDeadlines::Entry {
  int server_port;
  Endpoint client;
  Clock::time_point deadline;
  bool cut = false;
};

BodyDeadlines::BodyDeadlines(const StopState& stop) : stop_(stop), thread_([this] { watch(); }) {}

BodyDeadlines::~BodyDeadlines() {
  {
    const std::lock_guard lock(mutex_);
    done_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

BodyDeadlines::Watch::Watch(BodyDeadlines& owner, mg_connection* connection, Clock::time_point deadline)
    : owner_(owner) {
  const mg_request_info* request = mg_get_request_info(connection);
  {
    const std::lock_guard lock(owner_.mutex_);
    entry_ = owner_.entries_.insert(
        owner_.entries_.end(), Entry{request->server_port, {request->remote_addr, request->remote_port}, deadline});
  }
  owner_.changed_.notify_all();
}

BodyDeadlines::Watch::~Watch() {
  const std::lock_guard lock(owner_.mutex_);
  owner_.entries_.erase(entry_);
}

bool BodyDeadlines::Watch::cut() const {
  const std::lock_guard lock(owner_.mutex_);
  return entry_->cut;
}

void BodyDeadlines::watch() {
  std::unique_lock lock(mutex_);
  while (!done_) {
    const auto now = Clock::now();
    const bool stopping = stop_.stopping.load();
    auto next = Clock::time_point::max();
    for (auto& entry : entries_) {
      if (entry.cut) continue;
      if (stopping || entry.deadline <= now) {
        cut_reading(entry.server_port, entry.client);
        entry.cut = true;
      } else {
        next = std::min({next, entry.deadline, now + kStopPoll});
      }
    }
    if (next == Clock::time_point::max()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, next);
    }
  }
}

}  // namespace mc::service

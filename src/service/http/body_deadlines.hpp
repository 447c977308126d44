#pragma once

#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "service/operations/shutdown.hpp"

struct mg_connection;

namespace mc::service {

// Ends the reading of a request's body at its deadline, and at once when the
// service stops. CivetWeb's mg_read waits for as long as bytes keep coming
// (each one restarts its timeout) and cannot be ended from outside: a thread
// of ours shuts the connection's socket for reading instead, which makes a
// waiting read return at once (and every later one).
class BodyDeadlines {
  struct Entry;

 public:
  using Clock = std::chrono::steady_clock;

  explicit BodyDeadlines(const StopState& stop);
  ~BodyDeadlines();
  BodyDeadlines(const BodyDeadlines&) = delete;
  BodyDeadlines& operator=(const BodyDeadlines&) = delete;

  // Held while a body is read, on the thread that serves the connection.
  class Watch {
   public:
    Watch(BodyDeadlines& owner, mg_connection* connection, Clock::time_point deadline);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    // True once the reading was cut (the deadline passed, or the service stops).
    [[nodiscard]] bool cut() const;

   private:
    BodyDeadlines& owner_;
    std::list<Entry>::iterator entry_;
  };

 private:
  void watch();

  const StopState& stop_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::list<Entry> entries_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace mc::service

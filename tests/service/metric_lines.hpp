#pragma once

#include <sstream>
#include <string>

namespace mc::service {

// The line of `series` (name and labels exactly as serialised) in the
// Prometheus text `text`, or "".
inline std::string line_of(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return line;
  }
  return "";
}

}  // namespace mc::service

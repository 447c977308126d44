#pragma once

#include <stdexcept>
#include <string>

namespace mc::core {

// Input that cannot be processed (wrong size, unknown label, malformed field).
// The message names the problem and is safe to show to the sender of the input.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace mc::core

namespace mc::core {

// A problem with the installation or configuration (a missing checkpoint, a bad
// setting) that stops start-up. The message names the setting or path.
class SetupError : public std::runtime_error {
 public:
  explicit SetupError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace mc::core

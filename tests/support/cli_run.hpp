#pragma once

#include <string>

namespace mc::test_support {

struct CliRun {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, capturing stdout and stderr together.
CliRun run_command(const std::string& command_line);

}  // namespace mc::test_support

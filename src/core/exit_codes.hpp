#pragma once

namespace mc::core {

// Every exit status of maskcomponent, in one place (README's table lists
// them with their commands). In core because the service's StopState
// carries one as well. Two meanings share 1: the commands never mix them.
enum class ExitCode : int {
  kSuccess = 0,
  kBadInput = 1,      // masks, generate, urls, preview: core::InputError (the line names it)
  kFatal = 1,         // serve: a fatal Kafka error, or a stop that overran its grace period
  kSetup = 2,         // core::SetupError: configuration or set-up problems, every one listed
  kFailure = 3,       // any other failure: I/O, or a dependency that refused serve's start-up
  kNoResult = 4,      // send --wait: no result within --timeout
  kInterrupted = 130  // serve: a second stop signal (128 + SIGINT, as shells report it)
};

[[nodiscard]] constexpr int exit_status(ExitCode code) { return static_cast<int>(code); }

}  // namespace mc::core

#pragma once

#include <CLI/CLI.hpp>

namespace mc::app {

// `maskcomponent serve`: the Kafka service. Configuration from the
// environment (README); problems exit 2. SIGINT or SIGTERM stops it
// gracefully (exit 0); a second signal exits at once.
CLI::App* add_serve_command(CLI::App& app);
int run_serve_command();

}  // namespace mc::app

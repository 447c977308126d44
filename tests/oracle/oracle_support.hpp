#pragma once

// Helpers shared by the differential tests: a scratch folder per test and one
// run of tests/oracle/oracle.py over a list of jobs.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"

namespace mc::oracle_support {

inline int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::stoi(value) : fallback;
}

inline std::mt19937 seeded_rng(unsigned salt) {
  return std::mt19937(static_cast<unsigned>(env_int("MC_ORACLE_SEED", 20240610)) + salt);
}

// A scratch folder for one test, removed afterwards unless MC_ORACLE_KEEP=1.
class Scratch {
 public:
  explicit Scratch(const std::string& name) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("mc_oracle_" + name + "_" + std::to_string(::getpid()) + "_" + std::string(info->name()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~Scratch() {
    if (env_int("MC_ORACLE_KEEP", 0) == 1) {
      std::cout << "kept " << path_ << '\n';
    } else {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// One python process for all jobs of a test.
inline void run_oracle(const Scratch& scratch, const nlohmann::json& jobs) {
  const std::filesystem::path file = scratch.path() / "jobs.json";
  std::ofstream(file) << nlohmann::json{{"jobs", jobs}}.dump();
  const auto run =
      test_support::run_command(std::string(MC_PYTHON3) + " " + MC_ORACLE_SCRIPT + " " + file.string() + " 2>&1");
  if (run.exit_code != 0) throw std::runtime_error("oracle failed: " + run.output);
}

}  // namespace mc::oracle_support

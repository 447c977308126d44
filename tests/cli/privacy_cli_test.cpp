// What must never leave the process, checked on `serve`, `migrate` and `urls`
// run as an operator runs them: the PostgreSQL password (or a recognisable
// piece of it) in any output, whatever it holds and however it is given; and
// ONNX Runtime's telemetry files under HOME.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/cli_run.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Password {
  std::string text;
  std::string refusal;  // what the settings say when the DSN is refused; empty when it is accepted
};

// Refused ones never reach a connection; accepted ones meet a closed port.
const std::vector<Password> kPasswords = {
    {"Xk9%tR2pQz", "POSTGRES_DSN is not a valid connection URI (invalid percent-encoded token: \"***\")"},
    {"Xk9%00tR2pQz", "POSTGRES_DSN is not a valid connection URI (forbidden value %00 in percent-encoded value"},
    {"Xk9@tR2pQz", "POSTGRES_DSN has an unencoded '@' in its user or password"},
    {"Xk9tR/2pQzW", "POSTGRES_DSN has an unencoded '/' in its user or password"},
    {"Xk9:tR2pQz", ""},
    {"Xk9p\xC3\xA4sSw\xC3\xB6rdQz", ""},  // UTF-8 "Xk9päsSwördQz"
};

std::string dsn_with(const std::string& password) { return "postgresql://mask:" + password + "@127.0.0.1:1/masks"; }

// The password, or four of its bytes in a row, anywhere in `output`.
std::string leak_in(const std::string& output, const std::string& password) {
  for (std::size_t start = 0; start + 4 <= password.size(); ++start) {
    if (output.find(password.substr(start, 4)) != std::string::npos) return password.substr(start, 4);
  }
  return "";
}

class PrivacyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("mc_privacy_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir / "home");
  }
  void TearDown() override { fs::remove_all(dir); }

  // The environment of a command; the DSN as POSTGRES_DSN or POSTGRES_DSN_FILE.
  std::map<std::string, std::string> environment(const std::string& dsn, bool as_file) {
    std::map<std::string, std::string> env = {{"HOME", (dir / "home").string()},
                                              {"PATH", "/usr/bin:/bin"},
                                              {"MINIO_ENDPOINT", "127.0.0.1:1"},
                                              {"MINIO_ACCESS_KEY", "mask"},
                                              {"MINIO_SECRET_KEY", "s3secret"},
                                              {"MINIO_BUCKET", "masks"},
                                              {"KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"},
                                              {"CHECKPOINTS_DIR", (fs::path(MC_TEST_MODELS_DIR) / "one_person")},
                                              {"GPU_ID", "-1"},
                                              {"METRICS_PORT", "0"},
                                              {"RETRY_BASE_DELAY_MS", "50"},
                                              {"RETRY_MAX_DELAY_MS", "200"}};
    if (as_file) {
      std::ofstream(dir / "dsn", std::ios::binary) << dsn;
      env["POSTGRES_DSN_FILE"] = (dir / "dsn").string();
    } else {
      env["POSTGRES_DSN"] = dsn;
    }
    for (const char* name : {"LSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) env[name] = value;
    }
    return env;
  }

  // Runs the command to its end (serve: until its first dependency_unavailable
  // log line, then SIGTERM); stdout and stderr together.
  std::string run(const std::vector<std::string>& arguments, const std::map<std::string, std::string>& env) {
    const fs::path log = dir / "output.log";
    fs::remove(log);
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<std::string> entries;
      for (const auto& [name, value] : env) entries.push_back(name + "=" + value);
      std::vector<char*> envp;
      for (auto& entry : entries) envp.push_back(entry.data());
      envp.push_back(nullptr);
      std::vector<std::string> args = {MC_CLI_PATH};
      args.insert(args.end(), arguments.begin(), arguments.end());
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execve(MC_CLI_PATH, argv.data(), envp.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    bool signalled = false;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) != pid) {
      if (!signalled && (text_of(log).find("dependency_unavailable") != std::string::npos ||
                         std::chrono::steady_clock::now() > deadline)) {
        ::kill(pid, SIGTERM);
        signalled = true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return text_of(log);
  }

  static std::string text_of(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  fs::path dir;
};

TEST_F(PrivacyCli, NoPasswordOrPieceOfOneReachesTheOutputOfMigrateUrlsOrServe) {
  const std::vector<std::vector<std::string>> commands = {{"migrate"}, {"urls", "--user-id", "1"}, {"serve"}};
  for (const Password& password : kPasswords) {
    for (const bool as_file : {false, true}) {
      for (const auto& command : commands) {
        const std::string output = run(command, environment(dsn_with(password.text), as_file));
        const std::string where = command[0] + (as_file ? " with POSTGRES_DSN_FILE" : " with POSTGRES_DSN") +
                                  ", password " + password.text + ":\n" + output;
        EXPECT_EQ(leak_in(output, password.text), "") << where;
        if (!password.refusal.empty()) {
          EXPECT_NE(output.find(password.refusal), std::string::npos) << where;
          EXPECT_NE(output.find("postgresql://mask:***@127.0.0.1:1/masks"), std::string::npos) << where;
        } else {
          // The driver's own text was shown: the check is not vacuous.
          EXPECT_NE(output.find("Database connection failed"), std::string::npos) << where;
        }
      }
    }
  }
}

TEST_F(PrivacyCli, ServeLoadsItsModelsWithoutOnnxRuntimeTelemetry) {
  const std::string output = run({"serve"}, environment(dsn_with("mask"), false));
  ASSERT_NE(output.find("models_ready"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(dir / "home" / ".cache" / "Microsoft")) << "ONNX Runtime's telemetry store was created";
}

}  // namespace

// At-least-once under repeated crashes: two instances of `maskcomponent
// serve` in one group, one of them killed with SIGKILL at a random point 50
// times (MC_STRESS_KILLS sets another count) while requests keep
// arriving and another process keeps both cores busy, each time restarted. Afterwards every request has a completed
// result (redelivered duplicates are allowed, losses are not), a completed
// record, and each user's row names that user's last request. Prints how
// long the group took to serve new work again after each kill (a killed
// member holds its partitions until KAFKA_SESSION_TIMEOUT_MS runs out).
// Release build only: it runs for ten minutes or more (harness in
// service_harness.hpp).
#include <sys/prctl.h>

#include <algorithm>
#include <random>

#include "integration/service_harness.hpp"

namespace {

using namespace mc::service_test;
using nlohmann::json;
using namespace std::chrono_literals;

// Two busy loops in a process group of their own, for the test's duration
// (bounded by `timeout` should the test itself die).
class CpuLoad {
 public:
  CpuLoad() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::execl("/usr/bin/timeout", "timeout", "3600", "/bin/sh", "-c",
              "(while :; do :; done) & (while :; do :; done) & wait", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
  }
  ~CpuLoad() {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  CpuLoad(const CpuLoad&) = delete;
  CpuLoad& operator=(const CpuLoad&) = delete;

 private:
  pid_t pid_ = -1;
};

// Follows one topic from its start with a consumer that stays assigned, so
// that waiting for a result costs one poll, not a new consumer.
class ResultWatcher {
 public:
  ResultWatcher(const std::string& bootstrap, const std::string& topic, int partitions) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string error;
    conf->set("bootstrap.servers", bootstrap, error);
    conf->set("group.id", "watcher_" + unique_suffix(), error);
    conf->set("enable.auto.commit", "false", error);
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    std::vector<RdKafka::TopicPartition*> assignment;
    for (int p = 0; p < partitions; ++p) {
      assignment.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
    }
    consumer_->assign(assignment);
    RdKafka::TopicPartition::destroy(assignment);
  }
  ~ResultWatcher() { consumer_->close(); }

  // Consumes until `done()` holds or the deadline passes; returns done().
  template <class Condition>
  bool wait(Condition done, std::chrono::steady_clock::time_point deadline) {
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::unique_ptr<RdKafka::Message> message(consumer_->consume(100));
      if (message->err() != RdKafka::ERR_NO_ERROR) continue;
      const json result =
          json::parse(std::string(static_cast<const char*>(message->payload()), message->len()), nullptr, false);
      ++results_;
      if (result.value("status", "") == "completed") ++completed_[result.value("request_id", "")];
    }
    return true;
  }

  bool completed(const std::string& id) const { return completed_.count(id) != 0; }
  [[nodiscard]] const std::map<std::string, int>& completed() const { return completed_; }
  [[nodiscard]] int results() const { return results_; }

 private:
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<std::string, int> completed_;  // request_id -> completed results seen
  int results_ = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class StressTest : public ServiceTest {};

TEST_F(StressTest, RepeatedKillsUnderLoadLoseNoRequest) {
  // MC_STRESS_KILLS overrides the count for a quick local run.
  const char* kills_override = std::getenv("MC_STRESS_KILLS");
  const int kKills = kills_override != nullptr ? std::max(1, std::atoi(kills_override)) : 50;
  constexpr int kUsers = 10;
  constexpr int kRequestsPerRound = 3;
  env["KAFKA_SESSION_TIMEOUT_MS"] = "6000";  // the broker's smallest default: a dead member is noticed soon
  env["REBALANCE_WAIT_SECONDS"] = "5";
  const CpuLoad load;

  std::set<std::string> ids;
  std::map<std::string, std::string> last_by_user;
  int sent = 0;
  auto send_next = [&] {
    const std::string user = numbered("stress", sent % kUsers);
    const std::string id = numbered("req-stress-", sent++);
    send(request(user, id, {{"type", "url"}, {"data", images->url("/figure.png")}}, json::array({"dress"})));
    ids.insert(id);
    last_by_user[user] = id;
  };
  for (int i = 0; i < 2 * kUsers; ++i) send_next();
  ASSERT_EQ(kafka->partitions(input), 4);

  std::array<std::unique_ptr<ServiceProcess>, 2> members;
  std::vector<fs::path> logs;
  auto start_member = [&](std::size_t which, int generation) {
    logs.push_back(log_path.string() + "." + std::to_string(which) + "." + std::to_string(generation));
    members[which] = std::make_unique<ServiceProcess>(env, logs.back());
    members[which]->start();
  };
  start_member(0, 0);
  start_member(1, 0);
  ASSERT_GE(kafka->read(output, 1, 180s).size(), 1U) << "the group serves requests";
  ResultWatcher watcher(env["KAFKA_BOOTSTRAP_SERVERS"], output, kafka->partitions(output));

  std::mt19937 random(20261201);
  std::vector<double> settle_seconds;
  for (int kill = 0; kill < kKills; ++kill) {
    for (int i = 0; i < kRequestsPerRound; ++i) send_next();
    // A random point: while a member starts, joins, downloads, computes or publishes.
    watcher.wait([] { return false; }, std::chrono::steady_clock::now() + std::chrono::milliseconds(random() % 2500));
    const std::size_t victim = random() % 2;
    const auto killed_at = std::chrono::steady_clock::now();
    ASSERT_EQ(members[victim]->stop(SIGKILL), 128 + SIGKILL) << "kill " << kill;
    start_member(victim, kill + 1);
    // Settled: a request sent after the kill has its result.
    const std::string probe = numbered("req-settle-", kill);
    send(request(numbered("settle", kill), probe, {{"type", "url"}, {"data", images->url("/figure.png")}},
                 json::array({"dress"})));
    ids.insert(probe);
    const bool settled = watcher.wait([&] { return watcher.completed(probe); }, killed_at + 300s);
    settle_seconds.push_back(seconds_since(killed_at));
    std::cout << "kill " << kill + 1 << " (instance " << victim << "): settled after " << settle_seconds.back() << " s"
              << (settled ? "" : " (NOT settled within 300 s)") << std::endl;
    ASSERT_TRUE(settled) << "kill " << kill + 1;
  }

  const bool all = watcher.wait(
      [&] { return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return watcher.completed(id); }); },
      std::chrono::steady_clock::now() + 300s);
  std::size_t missing = 0;
  for (const auto& id : ids) missing += watcher.completed(id) ? 0U : 1U;
  int duplicates = 0;
  for (const auto& [id, count] : watcher.completed()) duplicates += count - 1;
  std::sort(settle_seconds.begin(), settle_seconds.end());
  std::cout << "requests: " << ids.size() << " distinct, " << watcher.results() << " results, " << duplicates
            << " redelivered duplicates, " << missing << " missing; settle after a kill: median "
            << settle_seconds[settle_seconds.size() / 2] << " s, max " << settle_seconds.back() << " s" << std::endl;
  EXPECT_TRUE(all) << missing << " requests without a completed result";
  EXPECT_EQ(missing, 0U);

  const auto records = query("SELECT count(*) FROM mask_requests WHERE status = 'completed'");
  EXPECT_EQ(records[0][0].as<std::size_t>(), ids.size()) << "one completed record per request";
  for (const auto& [user, request_id] : last_by_user) {
    const auto rows = query("SELECT request_id FROM user_mask_outputs WHERE user_id = '" + user + "'");
    ASSERT_EQ(rows.size(), 1U) << user;
    EXPECT_EQ(rows[0][0].as<std::string>(), request_id) << user << "'s row names the user's last request";
  }
  EXPECT_TRUE(kafka->read(poison, 1, 1s).empty()) << "a crash never poisons a request";
  for (auto& member : members) EXPECT_EQ(member->stop(SIGTERM), 0);
  if (HasFailure()) {
    for (std::size_t which = 0; which < 2; ++which) {
      std::cerr << "last log of instance " << which << ":\n" << members[which]->log_text() << '\n';
    }
  } else {
    for (const auto& log : logs) fs::remove(log);
  }
}

}  // namespace

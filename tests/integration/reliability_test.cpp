// What no producer, rebalance or outage may do to `maskcomponent serve`:
// odd bytes, oversize outcomes, several instances, kills, restarts, a
// database outage, permanent refusals, reused ids (harness in
// service_harness.hpp). These run in the release build only: each runs the
// service for a minute or more.
#include <random>

#include "integration/service_harness.hpp"

namespace {

using namespace mc::service_test;
using nlohmann::json;
using namespace std::chrono_literals;

// The results on `topic` whose error contains `needle`.
std::vector<json> with_error(const std::vector<json>& messages, const std::string& needle) {
  std::vector<json> found;
  for (const auto& message : messages) {
    if (message.value("error", "").find(needle) != std::string::npos) found.push_back(message);
  }
  return found;
}

// The completed results, by request_id (the last one of each).
std::map<std::string, json> completed(const std::vector<json>& messages) {
  std::map<std::string, json> found;
  for (const auto& message : messages) {
    if (message.value("status", "") == "completed") found[message.value("request_id", "")] = message;
  }
  return found;
}

class ReliabilityTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    env["KAFKA_SESSION_TIMEOUT_MS"] = "6000";  // a killed instance's partitions move on soon
  }

  json figure_request(const std::string& user, const std::string& request_id, const std::string& path = "/figure.png") {
    return request(user, request_id, {{"type", "url"}, {"data", images->url(path)}}, json::array({"dress"}));
  }

  // Reads mask_output until every id in `ids` has a completed result.
  std::map<std::string, json> wait_completed(const std::set<std::string>& ids, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::map<std::string, json> done;
    while (std::chrono::steady_clock::now() < deadline) {
      done = completed(kafka->read(output, 100000, 3s));
      bool all = true;
      for (const auto& id : ids) all = all && done.count(id) != 0;
      if (all) break;
    }
    return done;
  }

  void two_instances_one_leaves(int signal, int expected_exit) {
    constexpr int kRequests = 40;
    std::map<std::string, std::string> last_by_user;
    std::set<std::string> ids;
    for (int i = 0; i < kRequests; ++i) {
      const std::string user = numbered("u", i % 10);
      const std::string id = numbered("req-two-", i);
      send(figure_request(user, id));
      last_by_user[user] = id;
      ids.insert(id);
    }
    ASSERT_EQ(kafka->partitions(input), 4);
    ServiceProcess& a = start_instance();
    start_instance();
    ASSERT_GE(kafka->read(output, 8, 120s).size(), 8U);
    EXPECT_EQ(a.stop(signal), expected_exit);
    const auto done = wait_completed(ids, 300s);
    EXPECT_EQ(done.size(), ids.size());
    expect_rows_point_at_last_requests(last_by_user);
    EXPECT_TRUE(kafka->read(poison, 1, 1s).empty());
  }

  // Every user's row names that user's last request.
  void expect_rows_point_at_last_requests(const std::map<std::string, std::string>& last_by_user) {
    for (const auto& [user, request_id] : last_by_user) {
      const auto rows = query("SELECT request_id FROM user_mask_outputs WHERE user_id = '" + user + "'");
      ASSERT_EQ(rows.size(), 1U) << user;
      EXPECT_EQ(rows[0][0].as<std::string>(), request_id) << user;
    }
  }
};

TEST_F(ReliabilityTest, OddMessagesEachGetOneOutcomeAndTheServiceKeepsGoing) {
  const std::string latin1 =
      std::string(R"({"user_id":"Jos)") + "\xE9" + R"(","request_id":"req-latin1","image":{"type":"url","data":"x"}})";
  std::string binary(300, '\0');
  std::mt19937 random(7);
  for (auto& byte : binary) byte = static_cast<char>(random() & 0xFF);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  json big = request("big", "req-big", {{"type", "base64"}, {"data", "bm90IGFuIGltYWdl"}});
  big["padding"] = std::string(3'000'000, 'p');  // the poison message would exceed the broker's 1 MB
  json long_types = request("types", "req-long-types", {{"type", "url"}, {"data", "x"}});
  long_types["mask_types"] = std::string(600'000, 'x');
  long_types["padding"] = std::string(300'000, 'p');

  const std::vector<std::string> odd = {latin1, binary, "", "[1,2]", "42", deep, big.dump(), long_types.dump()};
  for (const auto& message : odd) kafka->publish(input, "", message);
  send(figure_request("good", "req-good-1"));
  send(figure_request("good", "req-good-2"));
  start_service();

  const auto results = kafka->read(output, odd.size() + 2, 120s);
  ASSERT_EQ(results.size(), odd.size() + 2);
  const auto poisons = kafka->read(poison, odd.size(), 30s);
  ASSERT_EQ(poisons.size(), odd.size()) << "one poison message per odd message";
  EXPECT_EQ(kafka->read(output, odd.size() + 3, 3s).size(), odd.size() + 2) << "one result per message";

  const auto done = completed(results);
  EXPECT_TRUE(done.count("req-good-1") && done.count("req-good-2")) << "good requests after the odd ones complete";
  EXPECT_EQ(with_error(results, "message is not valid UTF-8").size(), 2U);
  EXPECT_EQ(with_error(results, "message is empty").size(), 1U);
  EXPECT_EQ(with_error(results, "message must be a JSON object").size(), 2U);
  EXPECT_EQ(with_error(results, "nested deeper than").size(), 1U);
  EXPECT_EQ(with_error(results, "Invalid image data").size(), 1U) << "the 3 MB request";
  const auto invalid = with_error(results, "Invalid request:");
  EXPECT_EQ(invalid.size(), 7U);
  for (const auto& result : results) {
    EXPECT_LE(result.dump().size(), 8192U) << "results stay small whatever was sent";
    if (result["status"] == "failed") {
      EXPECT_TRUE(result["mask_paths"].empty());
    }
  }

  std::map<std::string, json> poison_by_error;
  for (const auto& message : poisons) {
    EXPECT_EQ(message["status"], "failed");
    EXPECT_TRUE(message.contains("original_message")) << message.dump().substr(0, 300);
    if (message.contains("original_message_base64")) {
      const std::string bytes = mc::core::decode_base64(message["original_message_base64"].get<std::string>());
      EXPECT_TRUE(bytes == latin1 || bytes == binary) << "the exact bytes travel in base64";
    }
  }
  const auto big_poison = std::find_if(
      poisons.begin(), poisons.end(), [](const json& message) { return message.value("request_id", "") == "req-big"; });
  ASSERT_NE(big_poison, poisons.end());
  EXPECT_EQ((*big_poison)["original_message_truncated"], true);
  EXPECT_EQ((*big_poison)["original_message_bytes"], big.dump().size());
  EXPECT_LE((*big_poison)["original_message"].get<std::string>().size(), 65536U);
  EXPECT_NE(service->log_text().find("\"event\":\"poison_truncated\""), std::string::npos);

  EXPECT_TRUE(service->alive());
  EXPECT_EQ(service->stop(), 0);
}

// Two instances in one group on four partitions; one leaves midway, by
// SIGTERM or by kill -9: every request completes, and each user's row names
// that user's last request.
TEST_F(ReliabilityTest, TwoInstancesOneStoppedBySigtermMidway) { two_instances_one_leaves(SIGTERM, 0); }

TEST_F(ReliabilityTest, TwoInstancesOneKilledMidway) { two_instances_one_leaves(SIGKILL, 128 + SIGKILL); }

TEST_F(ReliabilityTest, KilledThreeTimesMidStreamThenACleanRunCompletesEverything) {
  constexpr int kRequests = 24;
  std::set<std::string> ids;
  std::map<std::string, std::string> last_by_user;
  for (int i = 0; i < kRequests; ++i) {
    const std::string user = numbered("r", i % 6);
    const std::string id = numbered("req-restart-", i);
    send(figure_request(user, id));
    ids.insert(id);
    last_by_user[user] = id;
  }
  std::size_t seen = 0;
  for (int kill = 0; kill < 3; ++kill) {
    start_service();
    ASSERT_GT(kafka->read(output, seen + 2, 120s).size(), seen) << "progress before kill " << kill;
    EXPECT_EQ(service->stop(SIGKILL), 128 + SIGKILL);
    seen = kafka->read(output, 100000, 3s).size();
  }
  start_service();
  const auto done = wait_completed(ids, 300s);
  EXPECT_EQ(done.size(), ids.size());
  expect_rows_point_at_last_requests(last_by_user);
  EXPECT_EQ(service->stop(), 0);
  EXPECT_TRUE(kafka->read(poison, 1, 1s).empty());
}

TEST_F(ReliabilityTest, APartitionPausedWhenRevokedIsResumedWhenAssignedBack) {
  env["SERVICE_CONCURRENCY"] = "1";
  ServiceProcess& a = start_instance();
  // Saturate A with slow downloads: it pauses intake.
  for (int i = 0; i < 3; ++i) send(figure_request(numbered("slow", i), numbered("req-slow-", i), "/slow.png"));
  std::this_thread::sleep_for(4s);
  ServiceProcess& b = start_instance();
  std::this_thread::sleep_for(10s);  // B joins; partitions move while A is paused
  EXPECT_EQ(b.stop(SIGTERM), 0);
  ASSERT_EQ(wait_completed({"req-slow-0", "req-slow-1", "req-slow-2"}, 120s).size(), 3U);
  std::this_thread::sleep_for(8s);  // A gets its partitions back, no longer saturated
  std::set<std::string> ids;
  for (int i = 0; i < 8; ++i) {  // different keys: every partition gets some
    const std::string id = numbered("req-after-", i);
    send(figure_request(numbered("after", i), id));
    ids.insert(id);
  }
  EXPECT_EQ(wait_completed(ids, 120s).size(), 11U);
  EXPECT_TRUE(a.alive());
  EXPECT_EQ(a.stop(SIGTERM), 0);
}

TEST_F(ReliabilityTest, PostgresStoppedForTenSecondsWhileRequestsAreInFlight) {
  start_service();
  send(figure_request("pg", "req-pg-warm"));
  ASSERT_EQ(wait_completed({"req-pg-warm"}, 90s).size(), 1U);
  std::set<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    const std::string id = numbered("req-pg-", i);
    send(figure_request(numbered("pg", i), id));
    ids.insert(id);
  }
  const std::string script = MC_SERVICES_SCRIPT;
  ASSERT_EQ(mc::test_support::run_command(script + " stop postgres").exit_code, 0);
  std::this_thread::sleep_for(10s);
  ASSERT_EQ(mc::test_support::run_command(script + " start postgres").exit_code, 0);
  ids.insert("req-pg-warm");
  EXPECT_EQ(wait_completed(ids, 180s).size(), ids.size());
  EXPECT_TRUE(kafka->read(poison, 1, 1s).empty()) << "an outage never poisons";
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(ReliabilityTest, APermanentDatabaseRefusalEndsTheRequestAfterBoundedAttempts) {
  env["DEPENDENCY_PERMANENT_ATTEMPTS"] = "3";
  start_service();
  send(figure_request("warm", "req-refusal-warm"));
  ASSERT_EQ(wait_completed({"req-refusal-warm"}, 90s).size(), 1U);
  query("ALTER TABLE user_mask_outputs ADD CONSTRAINT no_refused CHECK (user_id <> 'refused')");
  send(figure_request("refused", "req-refused"));
  send(figure_request("fine", "req-fine"));
  const auto results = by_request(kafka->read(output, 3, 120s));
  ASSERT_EQ(results.size(), 3U);
  EXPECT_EQ(results.at("req-refused")["status"], "failed");
  EXPECT_NE(results.at("req-refused")["error"].get<std::string>().find("Infrastructure refused the request"),
            std::string::npos)
      << results.at("req-refused").dump();
  EXPECT_EQ(results.at("req-fine")["status"], "completed") << "other requests go on";
  const auto poisons = kafka->read(poison, 1, 30s);
  ASSERT_EQ(poisons.size(), 1U);
  EXPECT_EQ(poisons[0]["retry_count"], 3);
  EXPECT_EQ(query("SELECT status FROM mask_requests WHERE request_id = 'req-refused'")[0][0].as<std::string>(),
            "failed");
  EXPECT_EQ(service->stop(), 0);
}

TEST_F(ReliabilityTest, RequestIdsAreScopedByUserAndTwoCopiesComputeOnce) {
  // Another user reusing a request_id gets a result of their own.
  send(figure_request("alice", "req-shared"));
  send(figure_request("bob", "req-shared"));
  // Two copies of one request on two partitions at once.
  const std::string copy = figure_request("carol", "req-copy").dump();
  kafka->publish(input, "", copy, 0);
  kafka->publish(input, "", copy, 1);
  start_service();
  const auto results = kafka->read(output, 4, 120s);
  ASSERT_EQ(results.size(), 4U);
  std::map<std::string, std::vector<json>> by_user;
  for (const auto& result : results) by_user[result["user_id"].get<std::string>()].push_back(result);
  ASSERT_EQ(by_user["alice"].size(), 1U);
  ASSERT_EQ(by_user["bob"].size(), 1U);
  EXPECT_EQ(by_user["bob"][0]["mask_paths"]["dress"], env["BASE_URL"] + "/bob/req-shared/dress_mask.png");
  EXPECT_EQ(by_user["alice"][0]["mask_paths"]["dress"], env["BASE_URL"] + "/alice/req-shared/dress_mask.png");
  ASSERT_EQ(by_user["carol"].size(), 2U);
  for (const auto& result : by_user["carol"]) EXPECT_EQ(result["status"], "completed");
  EXPECT_EQ(images->hits("figure"), 3) << "alice, bob and one copy of carol's request";
  const auto record = query("SELECT status, attempts FROM mask_requests WHERE user_id = 'carol'");
  ASSERT_EQ(record.size(), 1U);
  EXPECT_EQ(record[0][0].as<std::string>(), "completed");
  EXPECT_EQ(record[0][1].as<int>(), 1);
  EXPECT_EQ(query("SELECT count(*) FROM mask_requests WHERE request_id = 'req-shared'")[0][0].as<int>(), 2);
  EXPECT_EQ(service->stop(), 0);
}

}  // namespace

// The row order across the Kafka and HTTP paths (issue 27), against the
// local PostgreSQL of scripts/services.sh: a user's row names the request
// accepted last, whichever path each came by and whichever finished last.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "adapters/postgres_store.hpp"

namespace {

using namespace mc;

std::string dsn_for(const std::string& database) {
  const char* port = std::getenv("MC_PG_PORT");
  return "postgresql://mask:maskpass@127.0.0.1:" + std::string(port != nullptr && *port != '\0' ? port : "55432") +
         "/" + database;
}

void admin(const std::string& sql) {
  pqxx::connection connection(dsn_for("masks"));
  pqxx::nontransaction txn(connection);
  txn.exec0(sql);
}

class RowOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database = "mc_order_" + std::to_string(::getpid()) + "_" +
               std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
    admin("CREATE DATABASE " + database);
    adapters::PostgresSettings settings;
    settings.dsn = dsn_for(database);
    settings.pool_size = 2;
    store = std::make_unique<adapters::PostgresStore>(settings);
    store->schema().ensure();
  }
  void TearDown() override {
    store.reset();
    admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
  }
  // A request as the processor runs it: recorded when it starts, its row
  // written when its masks are stored (maybe long after).
  void start(const std::string& request_id, core::MessagePosition position) {
    core::RequestRecord record;
    record.request_id = request_id;
    record.user_id = "order";
    record.gender = core::Gender::kFemale;
    record.mask_types = {core::MaskType::kDress};
    record.position = position;
    store->requests().started(record);
  }
  bool finish(const std::string& request_id, core::MessagePosition position) {
    return store->user_masks().upsert(
        {"order", core::Gender::kFemale, request_id, {{core::MaskType::kDress, request_id + "/dress_mask.png"}}},
        position);
  }
  std::string row() { return store->user_masks().find("order")->request_id; }

  std::string database;
  std::unique_ptr<adapters::PostgresStore> store;
};

// HTTP requests have no partition; their accept time orders them.
core::MessagePosition http(std::int64_t accepted_ms) { return {-1, -1, accepted_ms}; }

TEST_F(RowOrderTest, AnOlderSlowHttpRequestDoesNotOverwriteANewerOnesRow) {
  start("http-old", http(1000));
  start("http-new", http(2000));
  EXPECT_TRUE(finish("http-new", http(2000)));
  EXPECT_FALSE(finish("http-old", http(1000))) << "accepted earlier, finished later";
  EXPECT_EQ(row(), "http-new");
}

TEST_F(RowOrderTest, AnOlderKafkaRequestDoesNotOverwriteANewerHttpRequestsRow) {
  start("kafka-old", {3, 40, 1000});
  start("http-new", http(2000));
  EXPECT_TRUE(finish("http-new", http(2000)));
  EXPECT_FALSE(finish("kafka-old", {3, 40, 1000}));
  EXPECT_EQ(row(), "http-new");
}

TEST_F(RowOrderTest, AnOlderHttpRequestDoesNotOverwriteANewerKafkaRequestsRow) {
  start("http-old", http(1000));
  start("kafka-new", {3, 41, 2000});
  EXPECT_TRUE(finish("kafka-new", {3, 41, 2000}));
  EXPECT_FALSE(finish("http-old", http(1000)));
  EXPECT_EQ(row(), "kafka-new");
}

TEST_F(RowOrderTest, ANewerRequestOfEitherPathReplacesTheRow) {
  start("kafka-1", {0, 5, 1000});
  EXPECT_TRUE(finish("kafka-1", {0, 5, 1000}));
  start("http-2", http(2000));
  EXPECT_TRUE(finish("http-2", http(2000)));
  start("kafka-3", {1, 7, 3000});
  EXPECT_TRUE(finish("kafka-3", {1, 7, 3000}));
  EXPECT_EQ(row(), "kafka-3");
  // A retry of the row's own request writes it again.
  EXPECT_TRUE(finish("kafka-3", {1, 7, 3000}));
  // The tools (no position, no time) always write.
  EXPECT_TRUE(store->user_masks().upsert({"order", core::Gender::kFemale, "tool", {}}));
  EXPECT_EQ(row(), "tool");
}

}  // namespace

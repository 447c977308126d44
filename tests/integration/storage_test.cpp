// The S3 client and the PostgreSQL store against real servers: MinIO and a
// PostgreSQL cluster started on loopback by scripts/services.sh (ctest starts
// them as a fixture). MinIO verifies every Signature V4 signature. Tests that
// stop a server hold the ctest resource lock.
#include <gtest/gtest.h>

#include <curl/curl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <pqxx/pqxx>

#include "adapters/postgres_store.hpp"
#include "adapters/s3_client.hpp"
#include "adapters/s3_signing.hpp"
#include "support/cli_run.hpp"
#include "support/http_get.hpp"
#include "support/local_services.hpp"

namespace {

using namespace mc;
using adapters::DependencyError;

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

const std::string kS3Port = env_or("MC_S3_PORT", "4569");
const std::string kPgPort = env_or("MC_PG_PORT", "55432");
const std::string kServices = MC_SERVICES_SCRIPT;

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void services(const std::string& arguments) {
  const auto run = test_support::run_command(kServices + " " + arguments);
  ASSERT_EQ(run.exit_code, 0) << run.output;
}

// The credentials of the local MinIO.
const std::string kAccessKey = test_support::services_env(kServices)["MINIO_ACCESS_KEY"];
const std::string kSecretKey = test_support::services_env(kServices)["MINIO_SECRET_KEY"];

adapters::S3Settings s3_settings(const std::string& bucket = "masks") {
  adapters::S3Settings settings;
  settings.endpoint = "127.0.0.1:" + kS3Port;
  settings.access_key = kAccessKey;
  settings.secret_key = kSecretKey;
  settings.bucket = bucket;
  settings.connect_timeout = std::chrono::milliseconds(2000);
  settings.request_timeout = std::chrono::milliseconds(5000);
  return settings;
}

using mc::test_support::http_get;
using mc::test_support::HttpResult;

std::string random_bytes(std::size_t size) {
  std::mt19937 generator(42);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(generator() & 0xFF);
  return bytes;
}

TEST(S3Names, BucketNamesFollowS3Rules) {
  EXPECT_TRUE(adapters::valid_bucket_name("masks"));
  EXPECT_TRUE(adapters::valid_bucket_name("my.masks-2"));
  EXPECT_FALSE(adapters::valid_bucket_name("Masks"));
  EXPECT_FALSE(adapters::valid_bucket_name("ab"));
  EXPECT_FALSE(adapters::valid_bucket_name("-masks"));
  EXPECT_FALSE(adapters::valid_bucket_name("my_masks"));
  EXPECT_FALSE(adapters::valid_bucket_name("192.168.1.1"));
}

class S3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    client = std::make_unique<adapters::S3Client>(s3_settings());
    client->ensure_bucket();
  }
  std::unique_ptr<adapters::S3Client> client;
};

TEST_F(S3Test, PutThenGetReturnsIdenticalBytes) {
  const std::string bytes = random_bytes(300000);
  const std::string key = unique_name("user-") + "/req-1/upper_body_mask.png";
  client->put_object(key, bytes, "image/png");
  EXPECT_EQ(client->get_object(key), bytes);
}

// What the analysis cache reads (objects others may have written): within
// the bound the bytes, beyond it a permanent error, a missing one nothing.
TEST_F(S3Test, FindObjectReadsNoMoreThanItsBound) {
  const std::string key = unique_name("_analysis_") + "/object";
  client->put_object(key, random_bytes(5000), "application/json");
  EXPECT_EQ(client->find_object(key, 5000)->size(), 5000U);
  try {
    client->find_object(key, 4999);
    FAIL() << "an object over the bound was read";
  } catch (const adapters::DependencyError& error) {
    EXPECT_EQ(error.kind(), adapters::DependencyError::Kind::kPermanent);
    EXPECT_NE(std::string(error.what()).find("larger than 4999 bytes"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(client->find_object(key + "-missing", 10));
}

TEST_F(S3Test, AMissingBucketIsCreated) {
  adapters::S3Client fresh(s3_settings(unique_name("mc-test-")));
  EXPECT_TRUE(fresh.ensure_bucket()) << "created";
  EXPECT_FALSE(fresh.ensure_bucket()) << "already there";
  fresh.put_object("a/b/dress_mask.png", "png", "image/png");
  EXPECT_EQ(fresh.get_object("a/b/dress_mask.png"), "png");
}

// MinIO computes each signature itself: a presigned URL works until it
// expires, and one with a changed signature is refused.
TEST_F(S3Test, PresignedUrlWorksWithPlainHttpUntilItExpires) {
  const std::string key = unique_name("user-") + "/req-2/dress_mask.png";
  const std::string bytes = random_bytes(5000);
  client->put_object(key, bytes, "image/png");
  const HttpResult fetched = http_get(client->presigned_get_url(key, std::chrono::seconds(600)));
  EXPECT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.body, bytes);
  const std::string short_lived = client->presigned_get_url(key, std::chrono::seconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  const HttpResult expired = http_get(short_lived);
  EXPECT_EQ(expired.status, 403);
  EXPECT_NE(expired.body.find("Request has expired"), std::string::npos) << expired.body;
}

TEST_F(S3Test, AnObjectPutWithAContentTypeComesBackByGetHeadAndPresignedUrl) {
  adapters::S3Client fresh(s3_settings(unique_name("mc-types-")));
  fresh.ensure_bucket();
  const std::string bytes = random_bytes(70000);  // past the size at which curl would send Expect
  fresh.put_object("u/r/upper_body_mask.png", bytes, "image/png");
  EXPECT_EQ(fresh.get_object("u/r/upper_body_mask.png"), bytes);
  EXPECT_EQ(fresh.head_object("u/r/upper_body_mask.png").content_type, "image/png");
  const HttpResult presigned = http_get(fresh.presigned_get_url("u/r/upper_body_mask.png", std::chrono::seconds(60)));
  EXPECT_EQ(presigned.status, 200);
  EXPECT_EQ(presigned.body, bytes);
  // This bucket has no policy: without a signature it is closed.
  EXPECT_EQ(http_get(fresh.object_url("u/r/upper_body_mask.png")).status, 403);
  try {
    fresh.head_object("u/r/none_mask.png");
    ADD_FAILURE() << "expected DependencyError";
  } catch (const DependencyError& error) {
    EXPECT_FALSE(error.transient());
    EXPECT_NE(std::string(error.what()).find("MinIO object check failed: HTTP 404"), std::string::npos) << error.what();
  }
}

TEST_F(S3Test, ASignatureChangedByOneDigitIsRefused) {
  const std::string key = unique_name("user-") + "/req-3/dress_mask.png";
  client->put_object(key, "mask", "image/png");
  std::string url = client->presigned_get_url(key, std::chrono::seconds(600));
  ASSERT_EQ(http_get(url).status, 200);
  char& last = url.back();
  last = last == '0' ? '1' : '0';
  const HttpResult tampered = http_get(url);
  EXPECT_EQ(tampered.status, 403);
  EXPECT_NE(tampered.body.find("SignatureDoesNotMatch"), std::string::npos) << tampered.body;
}

TEST_F(S3Test, TheLocalStacksBucketServesMaskUrlsWithoutSignature) {
  // scripts/services.sh gave `masks` a public-read policy (mc_s3_bucket).
  const std::string key = unique_name("user-") + "/req-4/dress_mask.png";
  client->put_object(key, "public mask", "image/png");
  const HttpResult anonymous = http_get(client->object_url(key));
  EXPECT_EQ(anonymous.status, 200);
  EXPECT_EQ(anonymous.body, "public mask");
  EXPECT_EQ(http_get("http://127.0.0.1:" + kS3Port + "/masks/").status, 403) << "objects readable, not listable";
}

TEST_F(S3Test, AnUnknownAccessKeyIsAClearPermanentError) {
  adapters::S3Settings settings = s3_settings();
  settings.access_key = "NOBODY";
  adapters::S3Client stranger(settings);
  try {
    stranger.put_object("x/y/upper_body_mask.png", "png", "image/png");
    FAIL() << "expected DependencyError";
  } catch (const DependencyError& error) {
    EXPECT_FALSE(error.transient());
    EXPECT_NE(std::string(error.what()).find("MinIO upload failed: HTTP 403 InvalidAccessKeyId"), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("check MINIO_ACCESS_KEY and MINIO_SECRET_KEY"), std::string::npos)
        << error.what();
    EXPECT_EQ(std::string(error.what()).find(kSecretKey), std::string::npos) << "no secret in the message";
  }
}

TEST_F(S3Test, AWrongSecretKeyIsAClearPermanentErrorEvenForAHead) {
  adapters::S3Settings settings = s3_settings();
  settings.secret_key = "not-the-secret-key";
  adapters::S3Client impostor(settings);
  try {
    impostor.check_bucket();
    FAIL() << "expected DependencyError";
  } catch (const DependencyError& error) {
    EXPECT_FALSE(error.transient());
    EXPECT_NE(
        std::string(error.what()).find("MinIO bucket check failed for bucket masks: HTTP 403 SignatureDoesNotMatch"),
        std::string::npos)
        << error.what();
    EXPECT_EQ(std::string(error.what()).find("not-the-secret-key"), std::string::npos) << error.what();
  }
}

TEST_F(S3Test, AStoppedServerIsTransientAndTheNextCallAfterRestartSucceeds) {
  client->put_object("warm/up/lower_body_mask.png", "1", "image/png");  // an open connection to lose
  services("stop s3");
  const auto start = std::chrono::steady_clock::now();
  try {
    client->put_object("down/x/lower_body_mask.png", "2", "image/png");
    ADD_FAILURE() << "expected DependencyError";
  } catch (const DependencyError& error) {
    EXPECT_TRUE(error.transient()) << error.what();
    EXPECT_NE(std::string(error.what()).find("MinIO upload failed"), std::string::npos) << error.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000 + 1000))
      << "within the connect timeout";
  services("start s3");
  client->put_object("up/again/lower_body_mask.png", "3", "image/png");
  EXPECT_EQ(client->get_object("up/again/lower_body_mask.png"), "3");
}

// ---------------------------------------------------------------- PostgreSQL

std::string dsn_for(const std::string& database) {
  return "postgresql://mask:maskpass@127.0.0.1:" + kPgPort + "/" + database;
}

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database = "mc_test_" + std::to_string(::getpid()) + "_" +
               std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
    admin("CREATE DATABASE " + database);
    settings.dsn = dsn_for(database);
    settings.pool_size = 4;
    settings.connect_timeout = std::chrono::seconds(2);
    store = std::make_unique<adapters::PostgresStore>(settings);
  }
  void TearDown() override {
    store.reset();
    admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
  }
  static void admin(const std::string& sql) {
    pqxx::connection connection(dsn_for("masks"));
    pqxx::nontransaction txn(connection);
    txn.exec0(sql);
  }
  pqxx::result query(const std::string& sql) {
    pqxx::connection connection(settings.dsn);
    pqxx::nontransaction txn(connection);
    return txn.exec(sql);
  }
  std::string cli(const std::string& arguments, const std::string& extra_env = "") {
    const std::string env = "POSTGRES_DSN=" + settings.dsn + " MINIO_ENDPOINT=127.0.0.1:" + kS3Port +
                            " MINIO_ACCESS_KEY=" + kAccessKey + " MINIO_SECRET_KEY=" + kSecretKey +
                            " MINIO_BUCKET=masks " + extra_env + " ";
    const auto run = test_support::run_command(env + MC_CLI_PATH + " " + arguments);
    last_exit = run.exit_code;
    return run.output;
  }

  std::string database;
  adapters::PostgresSettings settings;
  std::unique_ptr<adapters::PostgresStore> store;
  int last_exit = -1;
};

TEST_F(PostgresTest, UpsertInsertsThenUpdatesAndNullsUnrequestedTypes) {
  store->schema().ensure();
  store->user_masks().upsert(
      {"123",
       core::Gender::kMale,
       "req-1",
       {{core::MaskType::kUpperBody, "upper_body_mask.png"}, {core::MaskType::kDress, "dress_mask.png"}}});
  auto row = query(
      "SELECT gender, request_id, upper_body_mask, dress_mask, lower_body_mask, updated_at "
      "FROM user_mask_outputs WHERE user_id = '123'")[0];
  EXPECT_EQ(row[0].as<std::string>(), "M");
  EXPECT_EQ(row[1].as<std::string>(), "req-1");
  EXPECT_EQ(row[2].as<std::string>(), "upper_body_mask.png");
  EXPECT_EQ(row[3].as<std::string>(), "dress_mask.png");
  EXPECT_TRUE(row[4].is_null());
  EXPECT_FALSE(row[5].is_null());

  store->user_masks().upsert(
      {"123", core::Gender::kFemale, "req-2", {{core::MaskType::kLowerBody, "lower_body_mask.png"}}});
  row = query(
      "SELECT gender, request_id, upper_body_mask, dress_mask, lower_body_mask FROM user_mask_outputs "
      "WHERE user_id = '123'")[0];
  EXPECT_EQ(row[0].as<std::string>(), "F");
  EXPECT_EQ(row[1].as<std::string>(), "req-2");
  EXPECT_TRUE(row[2].is_null()) << "unrequested types become NULL: the row matches its request_id";
  EXPECT_TRUE(row[3].is_null());
  EXPECT_EQ(row[4].as<std::string>(), "lower_body_mask.png");
  EXPECT_EQ(query("SELECT count(*) FROM user_mask_outputs")[0][0].as<int>(), 1);
  const auto found = store->user_masks().find("123");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->filenames.size(), 1U);
}

TEST_F(PostgresTest, EightConcurrentUpsertsForDifferentUsersAllLand) {
  store->schema().ensure();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      try {
        store->user_masks().upsert({"user-" + std::to_string(i),
                                    core::Gender::kFemale,
                                    "req-" + std::to_string(i),
                                    {{core::MaskType::kDress, "dress_mask.png"}}});
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(query("SELECT count(*) FROM user_mask_outputs WHERE dress_mask IS NOT NULL")[0][0].as<int>(), 8);
}

TEST_F(PostgresTest, RequestRecordsFollowARequest) {
  store->schema().ensure();
  core::RequestRecord record;
  record.request_id = "req-9";
  record.user_id = "9";
  record.gender = core::Gender::kFemale;
  record.mask_types = {core::MaskType::kDress, core::MaskType::kLowerBody};
  EXPECT_TRUE(store->requests().started(record));
  EXPECT_TRUE(store->requests().started(record));  // a retry
  auto found = store->requests().find("9", "req-9");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, core::RequestStatus::kProcessing);
  EXPECT_EQ(found->gender, core::Gender::kFemale);
  EXPECT_EQ(found->attempts, 2);
  EXPECT_EQ(found->mask_types, record.mask_types);
  store->requests().failed("9", "req-9", "Failed to download image: HTTP 404");
  EXPECT_EQ(store->requests().find("9", "req-9")->error, "Failed to download image: HTTP 404");
  EXPECT_EQ(store->requests().find("9", "req-9")->status, core::RequestStatus::kFailed);
  EXPECT_TRUE(store->requests().started(record));  // redelivered after a failure
  store->requests().completed("9", "req-9", {{core::MaskType::kDress, "dress_mask.png"}});
  found = store->requests().find("9", "req-9");
  EXPECT_EQ(found->status, core::RequestStatus::kCompleted);
  EXPECT_EQ(found->filenames.at(core::MaskType::kDress), "dress_mask.png");

  // A completed record is never downgraded.
  EXPECT_FALSE(store->requests().started(record));
  store->requests().failed("9", "req-9", "late failure of a second copy");
  found = store->requests().find("9", "req-9");
  EXPECT_EQ(found->status, core::RequestStatus::kCompleted);
  EXPECT_EQ(found->attempts, 3);
  EXPECT_EQ(found->error, "");

  // Another user's equal request_id is another request.
  EXPECT_FALSE(store->requests().find("10", "req-9"));
  record.user_id = "10";
  EXPECT_TRUE(store->requests().started(record));
  EXPECT_EQ(store->requests().find("10", "req-9")->status, core::RequestStatus::kProcessing);
  EXPECT_EQ(store->requests().find("9", "req-9")->status, core::RequestStatus::kCompleted);
  EXPECT_FALSE(store->requests().find("9", "nope"));
}

// Issue 20: what a request's options made is kept for its replay, NULL without options.
TEST_F(PostgresTest, ARecordKeepsWhatItsOptionsMade) {
  store->schema().ensure();
  core::RequestRecord record;
  record.request_id = "req-o";
  record.user_id = "5";
  EXPECT_TRUE(store->requests().started(record));
  EXPECT_FALSE(store->requests().find("5", "req-o")->options) << "none without options";
  const nlohmann::json made = {{"options", {{"dilate_px", 3}}},
                               {"artifacts", {{"dress", {{"mask", "dress_mask.png"}}}}},
                               {"mask_info", {{"view", "front"}}}};
  store->requests().options("5", "req-o", made);
  store->requests().completed("5", "req-o", {{core::MaskType::kDress, "dress_mask.png"}});
  EXPECT_EQ(store->requests().find("5", "req-o")->options, made);
  store->requests().options("5", "req-o", nlohmann::json{{"options", {}}});
  EXPECT_EQ(store->requests().find("5", "req-o")->options, made) << "a completed record keeps its options";
}

TEST_F(PostgresTest, AUsersRowIsNotOverwrittenByARequestConsumedEarlier) {
  store->schema().ensure();
  auto start = [&](const std::string& request_id, core::MessagePosition position) {
    core::RequestRecord record;
    record.request_id = request_id;
    record.user_id = "order";
    record.gender = core::Gender::kFemale;
    record.mask_types = {core::MaskType::kDress};
    record.position = position;
    store->requests().started(record);
  };
  const core::MessagePosition newer{1, 20, 2000};
  const core::MessagePosition older_same_partition{1, 10, 3000};   // offsets decide within a partition
  const core::MessagePosition older_other_partition{2, 99, 1000};  // timestamps across partitions
  const core::MessagePosition later_other_partition{2, 100, 5000};
  const std::map<core::MaskType, std::string> dress{{core::MaskType::kDress, "dress_mask.png"}};
  start("new", newer);
  EXPECT_TRUE(store->user_masks().upsert({"order", core::Gender::kFemale, "new", dress}, newer));
  start("old-1", older_same_partition);
  EXPECT_FALSE(store->user_masks().upsert({"order", core::Gender::kFemale, "old-1", dress}, older_same_partition));
  start("old-2", older_other_partition);
  EXPECT_FALSE(store->user_masks().upsert({"order", core::Gender::kFemale, "old-2", dress}, older_other_partition));
  EXPECT_EQ(store->user_masks().find("order")->request_id, "new");
  start("later", later_other_partition);
  EXPECT_TRUE(store->user_masks().upsert({"order", core::Gender::kFemale, "later", dress}, later_other_partition));
  EXPECT_EQ(store->user_masks().find("order")->request_id, "later");
  // Without a position (the tools) the upsert always writes.
  EXPECT_TRUE(store->user_masks().upsert({"order", core::Gender::kFemale, "tool", dress}));
  EXPECT_EQ(store->user_masks().find("order")->request_id, "tool");
}

TEST_F(PostgresTest, AClaimIsHeldByOneHolderAtATime) {
  store->schema().ensure();
  adapters::PostgresStore other(settings);  // another instance of the service
  {
    auto claim = store->claims().try_claim("u", "r");
    ASSERT_TRUE(claim);
    EXPECT_FALSE(store->claims().try_claim("u", "r")) << "a second worker of this process";
    EXPECT_FALSE(other.claims().try_claim("u", "r")) << "another process";
    EXPECT_TRUE(other.claims().try_claim("u", "r2")) << "another request";
    EXPECT_TRUE(other.claims().try_claim("u2", "r")) << "another user's equal request_id";
  }
  EXPECT_TRUE(other.claims().try_claim("u", "r")) << "released with its holder";
}

TEST_F(PostgresTest, MigrateRekeysTheFirstReleasesRequestRecords) {
  query(
      "CREATE TABLE mask_requests (request_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, gender TEXT, "
      "mask_types TEXT[] NOT NULL DEFAULT '{}', status TEXT NOT NULL, error TEXT, attempts INTEGER NOT NULL "
      "DEFAULT 0, filenames JSONB NOT NULL DEFAULT '{}', created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT "
      "now(), updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), completed_at TIMESTAMP WITH TIME ZONE)");
  query("INSERT INTO mask_requests (request_id, user_id, status) VALUES ('r1', 'u1', 'completed')");
  const std::string first = cli("migrate");
  EXPECT_EQ(last_exit, 0) << first;
  EXPECT_NE(first.find("added column mask_requests.message_offset"), std::string::npos) << first;
  EXPECT_NE(first.find("added column mask_requests.options"), std::string::npos) << first;
  EXPECT_NE(first.find("primary key of mask_requests to (user_id, request_id)"), std::string::npos) << first;
  EXPECT_EQ(cli("migrate"), "schema is up to date\n");
  EXPECT_EQ(store->requests().find("u1", "r1")->status, core::RequestStatus::kCompleted) << "existing records are kept";
  EXPECT_FALSE(store->requests().find("u1", "r1")->gender) << "a NULL gender reads as none";
  core::RequestRecord record;
  record.request_id = "r1";
  record.user_id = "u2";
  EXPECT_TRUE(store->requests().started(record)) << "another user's r1 is a record of its own";
}

TEST_F(PostgresTest, MigrateAddsTheMissingColumnsOfAnOlderTable) {
  query(
      "CREATE TABLE user_mask_outputs (user_id TEXT PRIMARY KEY, gender TEXT, request_id TEXT, "
      "upper_body_mask TEXT, lower_body_mask TEXT, updated_at TIMESTAMP WITH TIME ZONE DEFAULT now())");
  query(
      "INSERT INTO user_mask_outputs (user_id, gender, request_id, upper_body_mask) "
      "VALUES ('old', 'M', 'r0', 'upper_body_mask.png')");
  const std::string first = cli("migrate");
  EXPECT_EQ(last_exit, 0) << first;
  for (const char* column :
       {"upper_body_tshirts_mask", "upper_body_coat_mask", "ethnic_combined_mask", "baggy_lower_mask", "dress_mask"}) {
    EXPECT_NE(first.find(std::string("added column user_mask_outputs.") + column), std::string::npos) << first;
  }
  EXPECT_NE(first.find("created table mask_requests"), std::string::npos) << first;
  EXPECT_EQ(first.find("lower_body_mask"), std::string::npos) << "present columns are left alone";
  EXPECT_EQ(cli("migrate"), "schema is up to date\n");
  EXPECT_EQ(query("SELECT upper_body_mask FROM user_mask_outputs WHERE user_id = 'old'")[0][0].as<std::string>(),
            "upper_body_mask.png");
  store->user_masks().upsert({"old", core::Gender::kMale, "r1", {{core::MaskType::kDress, "dress_mask.png"}}});
  EXPECT_EQ(query("SELECT dress_mask FROM user_mask_outputs WHERE user_id = 'old'")[0][0].as<std::string>(),
            "dress_mask.png");
}

TEST_F(PostgresTest, UrlsPrintsEachMaskTypesUrl) {
  store->schema().ensure();
  store->user_masks().upsert(
      {"123",
       core::Gender::kMale,
       "req-123-001",
       {{core::MaskType::kUpperBody, "upper_body_mask.png"}, {core::MaskType::kLowerBody, "lower_body_mask.png"}}});
  EXPECT_EQ(cli("urls --user-id 123", "BASE_URL=http://127.0.0.1:9000/masks"),
            "upper_body http://127.0.0.1:9000/masks/123/req-123-001/upper_body_mask.png\n"
            "lower_body http://127.0.0.1:9000/masks/123/req-123-001/lower_body_mask.png\n");

  adapters::S3Client s3(s3_settings());
  s3.ensure_bucket();
  s3.put_object("123/req-123-001/upper_body_mask.png", "the mask", "image/png");
  const std::string presigned = cli("urls --user-id 123 --presigned");
  ASSERT_EQ(last_exit, 0) << presigned;
  const std::string prefix = "upper_body http://127.0.0.1:" + kS3Port + "/masks/123/req-123-001/upper_body_mask.png?";
  ASSERT_EQ(presigned.rfind(prefix, 0), 0U) << presigned;
  const std::string url = presigned.substr(11, presigned.find('\n') - 11);
  EXPECT_EQ(http_get(url).body, "the mask");

  EXPECT_NE(cli("urls --user-id nobody").find("no masks recorded for user_id \"nobody\""), std::string::npos);
  EXPECT_EQ(last_exit, 1);
}

TEST_F(PostgresTest, BadConfigurationNamesEveryProblemWithoutSecrets) {
  const auto run = test_support::run_command(
      "env -i POSTGRES_DSN=mysql://root:hunter2@db/x MINIO_ACCESS_KEY=k MINIO_SECRET_KEY=topsecret "
      "MINIO_BUCKET=Bad_Bucket BASE_URL=ftp://files PRESIGNED_URL_EXPIRY=0 " +
      std::string(MC_CLI_PATH) + " migrate");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  for (const char* problem : {"MINIO_ENDPOINT is required", "MINIO_BUCKET \"Bad_Bucket\" is not a valid bucket name",
                              "BASE_URL must be an http:// or https:// URL", "PRESIGNED_URL_EXPIRY must be",
                              "POSTGRES_DSN must start with postgresql://"}) {
    EXPECT_NE(run.output.find(problem), std::string::npos) << problem << "\n" << run.output;
  }
  EXPECT_EQ(run.output.find("hunter2"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("topsecret"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("mysql://root:***@db/x"), std::string::npos) << run.output;
}

TEST_F(PostgresTest, AStoppedServerIsTransientAndThePoolRecoversAfterRestart) {
  store->schema().ensure();
  store->user_masks().upsert({"1", core::Gender::kMale, "r1", {}});  // pooled connections that the restart breaks
  services("stop postgres");
  try {
    store->user_masks().upsert({"2", core::Gender::kMale, "r2", {}});
    ADD_FAILURE() << "expected DependencyError";
  } catch (const DependencyError& error) {
    EXPECT_TRUE(error.transient()) << error.what();
    EXPECT_NE(std::string(error.what()).find("Database connection failed"), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find("maskpass"), std::string::npos) << error.what();
  }
  services("start postgres");
  store->user_masks().upsert({"3", core::Gender::kMale, "r3", {}});
  EXPECT_EQ(query("SELECT count(*) FROM user_mask_outputs")[0][0].as<int>(), 2);
}

}  // namespace

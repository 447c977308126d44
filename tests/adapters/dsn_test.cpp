// POSTGRES_DSN: its password never reaches a log or an error, whatever it holds.
#include <gtest/gtest.h>

#include <string>

#include "adapters/postgres_dsn.hpp"

namespace {

using mc::adapters::dsn_problem;
using mc::adapters::redact_driver_text;
using mc::adapters::redact_dsn;

TEST(PostgresDsn, APasswordHoldingAtSignsIsRedactedUpToTheLastAt) {
  const std::string redacted = redact_dsn("postgresql://user:p@ss@w0rd@db.example:5432/masks?sslmode=require");
  EXPECT_EQ(redacted, "postgresql://user:***@db.example:5432/masks?sslmode=require");
  EXPECT_EQ(redacted.find("w0rd"), std::string::npos);
  EXPECT_EQ(redact_dsn("postgresql://u:a/b?c@h/d"), "postgresql://u:***@h/d");
  EXPECT_EQ(redact_dsn("postgresql://u:plain@h:5432/d"), "postgresql://u:***@h:5432/d");
  EXPECT_EQ(redact_dsn("postgresql://h:5432/d?user=u&password=sekret"), "postgresql://h:5432/d?user=u&password=***");
  EXPECT_EQ(redact_dsn("postgresql://h:5432/d"), "postgresql://h:5432/d");
}

TEST(PostgresDsn, AnUnencodedAtInThePasswordIsRefusedWithoutQuotingIt) {
  const auto problem = dsn_problem("postgresql://user:p@ss@127.0.0.1:5432/masks");
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "has an unencoded '@' in its user or password (write it as %40)");
  EXPECT_FALSE(dsn_problem("postgresql://user:p%40ss@127.0.0.1:5432/masks"));
}

TEST(PostgresDsn, LibpqsRefusalOfAPercentSignIsShownWithoutThePassword) {
  const auto stray = dsn_problem("postgresql://mask:Xk9%tR2pQz@db/masks");
  ASSERT_TRUE(stray);
  EXPECT_EQ(*stray,
            "is not a valid connection URI (invalid percent-encoded token: \"***\"); write a '%' of the user or "
            "password as %25");
  const auto nul = dsn_problem("postgresql://mask:Xk9%00tR2pQz@db/masks");
  ASSERT_TRUE(nul);
  EXPECT_EQ(nul->find("tR2p"), std::string::npos) << *nul;
  EXPECT_NE(nul->find("forbidden value %00 in percent-encoded value: \"***\""), std::string::npos) << *nul;
  EXPECT_FALSE(dsn_problem("postgresql://mask:Xk9%25tR2pQz@db/masks"));
}

TEST(PostgresDsn, ASlashThatLibpqWouldTakeForTheEndOfTheUserIsRefused) {
  EXPECT_EQ(dsn_problem("postgresql://mask:Xk9tR/2pQzW@db/masks"),
            "has an unencoded '/' in its user or password (write it as %2F)");
  EXPECT_FALSE(dsn_problem("postgresql://mask:Xk9tR%2F2pQzW@db/masks"));
  EXPECT_FALSE(dsn_problem("postgresql://db:5432/masks?application_name=a@b")) << "an '@' after the query";
}

TEST(PostgresDsn, DriverTextLosesThePasswordAndQuotedPiecesOfIt) {
  const std::string dsn = "postgresql://mask:Xk9tR/2pQzW@127.0.0.1:1/masks";
  EXPECT_EQ(redact_driver_text("invalid integer value \"Xk9tR\" for connection option \"port\"\n", dsn),
            "invalid integer value \"***\" for connection option \"port\"\n");
  EXPECT_EQ(redact_driver_text("database \"2pQzW@127.0.0.1:1/masks\" does not exist", dsn),
            "database \"***\" does not exist");
  EXPECT_EQ(redact_driver_text("failed for user \"mask\" with Xk9tR/2pQzW", dsn), "failed for user \"mask\" with ***");
  // As libpq decodes it: %3A is ':'.
  EXPECT_EQ(redact_driver_text("got ab:cdefgh", "postgresql://u:ab%3Acdefgh@h/d"), "got ***");
  EXPECT_EQ(redact_driver_text("seen: p\xC3\xA4sSw\xC3\xB6rd", "postgresql://u:p\xC3\xA4sSw\xC3\xB6rd@h/d"),
            "seen: ***");
  EXPECT_EQ(redact_driver_text("connection to server at \"127.0.0.1\", port 1 failed", dsn),
            "connection to server at \"127.0.0.1\", port 1 failed");
}

}  // namespace

// POSTGRES_DSN: its password never reaches a log or an error, whatever it holds.
#include <gtest/gtest.h>

#include <string>

#include "adapters/postgres_dsn.hpp"

namespace {

using mc::adapters::dsn_problem;
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

}  // namespace

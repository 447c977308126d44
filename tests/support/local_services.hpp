#pragma once

#include <map>
#include <string>

namespace mc::test_support {

// The variables `scripts/services.sh env` prints (export NAME=value lines):
// where the local PostgreSQL, MinIO and Apache Kafka listen, and their
// credentials.
std::map<std::string, std::string> services_env(const std::string& services_script);

// A port free on loopback now (the kernel's choice).
int free_port();

}  // namespace mc::test_support

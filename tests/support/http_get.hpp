#pragma once

#include <string>

namespace mc::test_support {

struct HttpResult {
  long status = 0;  // 0 when no response came
  std::string body;
};

// A plain, unauthenticated GET with libcurl (as a browser or a backend would fetch a URL).
HttpResult http_get(const std::string& url);

}  // namespace mc::test_support

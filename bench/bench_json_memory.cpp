// Peak memory of reading the worst JSON bodies (issue 27): each body, as
// large as the HTTP API takes (35 MB, IMAGE_MAX_BYTES' default in base64),
// is read in a child process of its own, as the service read it before
// (depth check, then a whole tree) and as it reads it now
// (core::read_message: values counted before a tree is built, then
// parse_mask_request). Prints each child's peak RSS beside the body's size.
// Run:
//   cmake --build --preset release --target mc_bench_json_memory
//   build/release/bench/mc_bench_json_memory
// Goal: every body costs at most ~3 x its size. Measured (2 cores, glibc
// 2.36, nlohmann 3.11): before, empty arrays 845 MB (24 x), small objects
// 919 MB (26 x), keys of one object 340 MB (10 x), one 35 MB image string
// 170 MB (4.8 x); now every body past 1000 values is refused at 37 MB
// (1.0 x: the body), 990 strings of 35 KB take 70 MB (2.0 x) and one image
// string 139 MB (4.0 x: nlohmann's lexer holds a string being read twice,
// in its token buffer and its raw token, before the value takes a copy;
// only another parser would go lower).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/json_text.hpp"
#include "core/mask_request.hpp"

namespace {

constexpr std::size_t kBodyBytes = 35UL * 1000 * 1000;

// `{"user_id": "u", "x": [item, item, ...]}` of about kBodyBytes.
std::string body_of_items(const std::string& item, std::size_t count = SIZE_MAX) {
  std::string body;
  body.reserve(kBodyBytes + 64);
  body.append(R"({"user_id": "u", "x": [)").append(item);
  while (body.size() + item.size() + 3 < kBodyBytes && count-- > 1) body.append(",").append(item);
  body += "]}";
  return body;
}

std::string body_of_keys() {
  std::string body;
  body.reserve(kBodyBytes + 64);
  body.append(R"({"user_id": "u")");
  for (int i = 0; body.size() + 16 < kBodyBytes; ++i) body += ",\"k" + std::to_string(i) + "\":0";
  body += "}";
  return body;
}

std::string image_body() {
  std::string body;
  body.reserve(kBodyBytes + 64);
  body.append(R"({"user_id": "u", "mask_types": ["dress"], "image": {"type": "base64", "data": ")");
  body.append(kBodyBytes - body.size() - 3, 'A');
  body += "\"}}";
  return body;
}

long peak_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Runs `read` on the body that `make` builds, in a child; prints its peak.
void measure(const char* name, const char* how, const std::function<std::string()>& make,
             const std::function<std::string(const std::string&)>& read) {
  std::fflush(stdout);
  const pid_t child = fork();
  if (child == 0) {
    const std::string body = make();
    const long before = peak_kb();
    const std::string outcome = read(body);
    const double body_mb = static_cast<double>(body.size()) / 1e6;
    const double peak_mb = static_cast<double>(peak_kb()) / 1e3;
    std::printf("%-22s %-7s body %5.1f MB  peak RSS %7.1f MB (%5.1f x body; %6.1f MB before reading)  %s\n", name, how,
                body_mb, peak_mb, peak_mb / body_mb, static_cast<double>(before) / 1e3, outcome.c_str());
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
}

std::string read_before(const std::string& body) {
  // What core::read_message did before: the depth check, then the tree.
  if (const std::string problem = mc::core::json_text_problem(body); !problem.empty()) return "refused: " + problem;
  const nlohmann::json document = nlohmann::json::parse(body);
  return "parsed, " + std::to_string(document.size()) + " members";
}

std::string read_now(const std::string& body) {
  try {
    const auto request = mc::core::parse_mask_request(mc::core::read_message(body), {mc::core::MaskType::kDress},
                                                      [] { return std::string("req"); });
    return "accepted, image " + std::to_string(request.image_data.size()) + " bytes";
  } catch (const mc::core::InputError& error) {
    return std::string("refused: ") + std::string(error.what()).substr(0, 40);
  }
}

}  // namespace

int main() {
  const std::vector<std::pair<const char*, std::function<std::string()>>> bodies = {
      {"empty arrays", [] { return body_of_items("[]"); }},
      {"small objects", [] { return body_of_items(R"({"a":0})"); }},
      {"numbers", [] { return body_of_items("0"); }},
      {"keys of one object", body_of_keys},
      {"1 KB strings", [] { return body_of_items('"' + std::string(1000, 'x') + '"'); }},
      // Within the limit: as many strings as it allows, 35 KB each.
      {"990 35 KB strings", [] { return body_of_items('"' + std::string(35000, 'x') + '"', 990); }},
      {"one image string", image_body},
  };
  for (const auto& [name, make] : bodies) {
    measure(name, "before", make, read_before);
    measure(name, "now", make, read_now);
  }
  return 0;
}

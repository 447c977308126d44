// Image downloads: http(s) only, redirects checked hop by hop, private
// addresses refused unless allowed, size and time limits, error classes.
// The HTTP server is cpp-httplib on loopback.
#include <gtest/gtest.h>

#include <thread>

#include <httplib.h>

#include "adapters/image_fetcher.hpp"
#include "app/user_ordered_executor.hpp"

namespace {

using mc::adapters::FetchSettings;
using mc::adapters::ImageFetchError;
using mc::adapters::fetch_image;

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.Get("/img", [](const httplib::Request&, httplib::Response& r) { r.set_content(std::string(500, 'x'), "image/png"); });
    for (int i = 1; i <= 4; ++i) {
      server.Get("/hop" + std::to_string(i), [i](const httplib::Request&, httplib::Response& r) {
        r.set_redirect(i == 1 ? "/img" : "/hop" + std::to_string(i - 1));
      });
    }
    server.Get("/missing", [](const httplib::Request&, httplib::Response& r) { r.status = 404; });
    server.Get("/busy", [](const httplib::Request&, httplib::Response& r) { r.status = 503; });
    server.Get("/slow", [](const httplib::Request&, httplib::Response& r) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      r.set_content("late", "text/plain");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    // stop() before listening has begun would be lost, and join() would hang.
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    allowed.allow_private_addresses = true;
    allowed.total_timeout = std::chrono::milliseconds(1000);
  }
  void TearDown() override {
    server.stop();
    thread.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }

  static std::pair<bool, std::string> error_of(const std::string& target, const FetchSettings& settings) {
    try {
      fetch_image(target, settings);
    } catch (const ImageFetchError& error) {
      return {error.transient(), error.what()};
    }
    return {false, "no error"};
  }

  httplib::Server server;
  int port = 0;
  std::thread thread;
  FetchSettings allowed;
};

TEST(BlockedAddresses, LoopbackPrivateLinkLocalAndMulticastAreNamed) {
  using mc::adapters::blocked_address_reason;
  EXPECT_EQ(blocked_address_reason("127.0.0.1"), "loopback");
  EXPECT_EQ(blocked_address_reason("::1"), "loopback");
  EXPECT_EQ(blocked_address_reason("10.1.2.3"), "private");
  EXPECT_EQ(blocked_address_reason("172.20.0.1"), "private");
  EXPECT_EQ(blocked_address_reason("192.168.0.10"), "private");
  EXPECT_EQ(blocked_address_reason("fd00::1"), "private");
  EXPECT_EQ(blocked_address_reason("169.254.169.254"), "link-local");
  EXPECT_EQ(blocked_address_reason("fe80::1"), "link-local");
  EXPECT_EQ(blocked_address_reason("224.0.0.1"), "multicast");
  EXPECT_EQ(blocked_address_reason("ff02::1"), "multicast");
  EXPECT_EQ(blocked_address_reason("::ffff:10.0.0.1"), "private");
  EXPECT_EQ(blocked_address_reason("0.0.0.0"), "unspecified");
  EXPECT_EQ(blocked_address_reason("93.184.216.34"), "");
  EXPECT_EQ(blocked_address_reason("2606:2800:220:1::1"), "");
  EXPECT_EQ(blocked_address_reason("172.32.0.1"), "");
}

TEST_F(FetchTest, DownloadsAndFollowsUpToThreeRedirects) {
  EXPECT_EQ(fetch_image(url("/img"), allowed).size(), 500U);
  EXPECT_EQ(fetch_image(url("/hop3"), allowed).size(), 500U);
  EXPECT_EQ(error_of(url("/hop4"), allowed), std::make_pair(false, std::string("Failed to download image: more than 3 redirects")));
}

TEST_F(FetchTest, RefusesLoopbackUnlessAllowed) {
  const FetchSettings strict;
  EXPECT_EQ(error_of(url("/img"), strict).second,
            "Failed to download image: 127.0.0.1 resolves to a loopback address (127.0.0.1), which is not allowed");
  EXPECT_EQ(error_of("http://localhost:" + std::to_string(port) + "/img", strict).second,
            "Failed to download image: localhost resolves to a loopback address (127.0.0.1), which is not allowed");
}

TEST_F(FetchTest, ClassifiesFailures) {
  EXPECT_EQ(error_of(url("/missing"), allowed), std::make_pair(false, std::string("Failed to download image: HTTP 404")));
  EXPECT_EQ(error_of(url("/busy"), allowed), std::make_pair(true, std::string("Failed to download image: HTTP 503")));
  const auto timeout = error_of(url("/slow"), allowed);
  EXPECT_TRUE(timeout.first);
  EXPECT_NE(timeout.second.find("Timeout"), std::string::npos) << timeout.second;
  const auto refused = error_of("http://127.0.0.1:1/img", allowed);
  EXPECT_TRUE(refused.first) << refused.second;
  EXPECT_EQ(error_of("ftp://127.0.0.1/img", allowed).second,
            "Failed to download image: only http and https URLs are allowed");
  EXPECT_EQ(error_of("not a url", allowed).second, "Failed to download image: invalid URL");
  FetchSettings small = allowed;
  small.max_bytes = 100;
  EXPECT_EQ(error_of(url("/img"), small), std::make_pair(false, std::string("Failed to download image: image is larger than 100 bytes")));
}

TEST(UserOrderedExecution, OneUsersTasksRunInOrderOthersInParallel) {
  std::mutex mutex;
  std::vector<std::string> order;
  std::atomic<int> running_b{0};
  std::atomic<int> overlap{0};
  {
    mc::app::UserOrderedExecutor executor(4);
    for (int i = 0; i < 20; ++i) {
      executor.submit("a", [&, i] {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        const std::lock_guard lock(mutex);
        order.push_back(std::to_string(i));
      });
      executor.submit("b", [&] {
        if (running_b.fetch_add(1) > 0) ++overlap;  // two tasks of user b at once
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        running_b.fetch_sub(1);
      });
    }
  }
  ASSERT_EQ(order.size(), 20U);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], std::to_string(i));
  EXPECT_EQ(overlap.load(), 0);
}

}  // namespace

// Image downloads: http(s) only, redirects checked hop by hop, private
// addresses refused unless allowed, proxies from the environment ignored,
// size and time limits, error classes. The HTTP servers are cpp-httplib on
// loopback.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>
#include <opencv2/imgcodecs.hpp>

#include "adapters/image_fetcher.hpp"

namespace {

using mc::adapters::fetch_image;
using mc::adapters::FetchSettings;
using mc::adapters::ImageFetchError;

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.Get("/img", [](const httplib::Request&, httplib::Response& r) {
      r.set_content(std::string(500, 'x'), "image/png");
    });
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

// Each refused range: its first and last address, and the neighbours just
// outside it, which are public.
TEST(BlockedAddresses, SpecialPurposeRangesAreRefusedTheirNeighboursAllowed) {
  using mc::adapters::blocked_address_reason;
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"192.0.0.0", "IETF protocol assignment"},
      {"192.0.0.255", "IETF protocol assignment"},
      {"192.0.2.0", "documentation"},
      {"192.0.2.255", "documentation"},
      {"198.51.100.0", "documentation"},
      {"198.51.100.255", "documentation"},
      {"203.0.113.0", "documentation"},
      {"203.0.113.255", "documentation"},
      {"198.18.0.0", "benchmarking"},
      {"198.19.255.255", "benchmarking"},
      {"255.255.255.255", "broadcast"},
      {"255.255.255.254", "reserved"},
      {"64:ff9b::", "NAT64"},
      {"64:ff9b::ffff:ffff", "NAT64"},
      {"64:ff9b::8.8.8.8", "NAT64"},
      {"64:ff9b:1::", "NAT64 (local use)"},
      {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "NAT64 (local use)"},
      {"2002::", "6to4"},
      {"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "6to4"},
      {"::2", "IPv4-compatible"},
      {"::ffff:ffff", "IPv4-compatible"},
      {"::8.8.8.8", "IPv4-compatible"},
      {"::ffff:0:0:0", "IPv4-translated"},
      {"::ffff:0:127.0.0.1", "IPv4-translated"},
      {"::ffff:0:8.8.8.8", "IPv4-translated"},
      {"::ffff:0:ffff:ffff", "IPv4-translated"},
      {"::", "unspecified"},
      {"fec0::", "site-local"},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local"},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local"},
      {"2001:db8::", "documentation"},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation"},
  };
  for (const auto& [address, reason] : refused) EXPECT_EQ(blocked_address_reason(address), reason) << address;
  const std::vector<std::string> allowed = {
      "191.255.255.255",
      "192.0.1.0",
      "192.0.1.255",
      "192.0.3.0",
      "198.51.99.255",
      "198.51.101.0",
      "203.0.112.255",
      "203.0.114.0",
      "198.17.255.255",
      "198.20.0.0",
      "8.8.8.8",
      "2606:4700::1111",
      "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff",
      "64:ff9b::1:0:0",
      "64:ff9b:2::",
      "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "2003::",
      "::1:0:0",
      "::fffe:ffff:ffff:ffff",
      "::ffff:1:0:0",
      "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
      "2001:db9::",
  };
  for (const auto& address : allowed) EXPECT_EQ(blocked_address_reason(address), "") << address;
}

// The check libcurl's socket goes through sees the same reasons.
TEST(BlockedAddresses, SocketAddressesAreCheckedLikeText) {
  using mc::adapters::blocked_address_reason;
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr), 1);
  EXPECT_EQ(blocked_address_reason(*reinterpret_cast<const sockaddr*>(&v4)), "loopback");
  ASSERT_EQ(inet_pton(AF_INET, "8.8.8.8", &v4.sin_addr), 1);
  EXPECT_EQ(blocked_address_reason(*reinterpret_cast<const sockaddr*>(&v4)), "");
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "64:ff9b::7f00:1", &v6.sin6_addr), 1);
  EXPECT_EQ(blocked_address_reason(*reinterpret_cast<const sockaddr*>(&v6)), "NAT64");
  ASSERT_EQ(inet_pton(AF_INET6, "2606:4700::1111", &v6.sin6_addr), 1);
  EXPECT_EQ(blocked_address_reason(*reinterpret_cast<const sockaddr*>(&v6)), "");
  sockaddr unix_socket{};
  unix_socket.sa_family = AF_UNIX;
  EXPECT_EQ(blocked_address_reason(unix_socket), "not an IP address");
}

TEST_F(FetchTest, DownloadsAndFollowsUpToThreeRedirects) {
  EXPECT_EQ(fetch_image(url("/img"), allowed).size(), 500U);
  EXPECT_EQ(fetch_image(url("/hop3"), allowed).size(), 500U);
  EXPECT_EQ(error_of(url("/hop4"), allowed),
            std::make_pair(false, std::string("Failed to download image: more than 3 redirects")));
}

TEST_F(FetchTest, RefusesLoopbackUnlessAllowed) {
  const FetchSettings strict;
  EXPECT_EQ(error_of(url("/img"), strict).second,
            "Failed to download image: 127.0.0.1 resolves to a loopback address (127.0.0.1), which is not allowed");
  EXPECT_EQ(error_of("http://localhost:" + std::to_string(port) + "/img", strict).second,
            "Failed to download image: localhost resolves to a loopback address (127.0.0.1), which is not allowed");
}

TEST_F(FetchTest, ALiteralIPv6AddressIsFetchedWhenAllowedAndCheckedWhenNot) {
  httplib::Server v6;
  v6.Get("/img",
         [](const httplib::Request&, httplib::Response& r) { r.set_content(std::string(300, 'y'), "image/png"); });
  const int v6_port = v6.bind_to_any_port("::1");
  if (v6_port <= 0) GTEST_SKIP() << "this machine has no IPv6 loopback (::1 cannot be bound)";
  std::thread serving([&] { v6.listen_after_bind(); });
  while (!v6.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string v6_url = "http://[::1]:" + std::to_string(v6_port) + "/img";
  const auto fetched = [&] {
    try {
      return fetch_image(v6_url, allowed);
    } catch (const std::exception& error) {
      return std::string(error.what());
    }
  }();
  v6.stop();
  serving.join();
  EXPECT_EQ(fetched, std::string(300, 'y'));
  EXPECT_EQ(error_of(v6_url, FetchSettings{}).second,
            "Failed to download image: ::1 resolves to a loopback address (::1), which is not allowed");
  EXPECT_EQ(error_of("http://[::ffff:0:127.0.0.1]:" + std::to_string(port) + "/img", FetchSettings{}).second,
            "Failed to download image: ::ffff:0:7f00:1 resolves to a IPv4-translated address (::ffff:0:7f00:1), "
            "which is not allowed");
}

// A "proxy" on loopback that answers everything with a PNG and counts the
// requests; the proxy variables of the environment point at it.
class ProxyEnvironmentTest : public FetchTest {
 protected:
  void SetUp() override {
    FetchTest::SetUp();
    std::vector<std::uint8_t> png;
    ASSERT_TRUE(cv::imencode(".png", cv::Mat(2, 2, CV_8UC3, cv::Scalar(0, 0, 255)), png));
    proxy_body.assign(png.begin(), png.end());
    proxy.set_pre_routing_handler([this](const httplib::Request&, httplib::Response& response) {
      ++proxy_hits;
      response.set_content(proxy_body, "image/png");
      return httplib::Server::HandlerResponse::Handled;
    });
    const int proxy_port = proxy.bind_to_any_port("127.0.0.1");
    proxy_thread = std::thread([this] { proxy.listen_after_bind(); });
    while (!proxy.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // The proxy works: a request sent through it is answered and counted.
    httplib::Client through_proxy("127.0.0.1", port);
    through_proxy.set_proxy("127.0.0.1", proxy_port);
    const auto answer = through_proxy.Get("/img");
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->body, proxy_body);
    ASSERT_EQ(proxy_hits.exchange(0), 1);
    const std::string address = "http://127.0.0.1:" + std::to_string(proxy_port);
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"}) {
      set(name, address);
    }
    for (const char* name : {"no_proxy", "NO_PROXY"}) set(name, std::nullopt);
  }
  void TearDown() override {
    for (const auto& [name, value] : saved) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
    proxy.stop();
    proxy_thread.join();
    FetchTest::TearDown();
  }
  void set(const char* name, const std::optional<std::string>& value) {
    const char* old = std::getenv(name);
    saved.emplace_back(name, old == nullptr ? std::nullopt : std::optional<std::string>(old));
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }

  httplib::Server proxy;
  std::thread proxy_thread;
  std::string proxy_body;
  std::atomic<int> proxy_hits{0};
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
};

TEST_F(ProxyEnvironmentTest, LoopbackIsStillRefusedAndTheProxyNeverAsked) {
  const FetchSettings strict;
  EXPECT_EQ(error_of(url("/img"), strict).second,
            "Failed to download image: 127.0.0.1 resolves to a loopback address (127.0.0.1), which is not allowed");
  EXPECT_EQ(error_of("http://localhost:" + std::to_string(port) + "/img", strict).second,
            "Failed to download image: localhost resolves to a loopback address (127.0.0.1), which is not allowed");
  EXPECT_EQ(proxy_hits.load(), 0);
}

TEST_F(ProxyEnvironmentTest, AllowedAddressesAreFetchedDirectly) {
  EXPECT_EQ(fetch_image(url("/img"), allowed), std::string(500, 'x'));
  EXPECT_EQ(fetch_image(url("/hop2"), allowed), std::string(500, 'x'));
  EXPECT_EQ(proxy_hits.load(), 0);
}

TEST_F(FetchTest, ClassifiesFailures) {
  EXPECT_EQ(error_of(url("/missing"), allowed),
            std::make_pair(false, std::string("Failed to download image: HTTP 404")));
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
  EXPECT_EQ(error_of(url("/img"), small),
            std::make_pair(false, std::string("Failed to download image: image is larger than 100 bytes")));
}

TEST_F(FetchTest, ACancelledDownloadStopsAndSaysSo) {
  FetchSettings patient = allowed;
  patient.total_timeout = std::chrono::milliseconds(60000);
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  bool cancelled = false;
  try {
    fetch_image(url("/slow"), patient, [&] { return cancel.load(); });
  } catch (const mc::adapters::FetchCancelled&) {
    cancelled = true;
  }
  canceller.join();
  EXPECT_TRUE(cancelled) << "the slow answer (1.5 s) was not waited for";
  // Not cancelled: the same download completes.
  EXPECT_EQ(fetch_image(url("/slow"), patient, [] { return false; }), "late");
}

}  // namespace

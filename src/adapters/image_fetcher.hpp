#pragma once

#include <functional>

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace mc::adapters {

struct FetchSettings {
  std::chrono::milliseconds connect_timeout{5000};  // IMAGE_CONNECT_TIMEOUT_MS
  std::chrono::milliseconds total_timeout{30000};   // IMAGE_TIMEOUT_MS
  std::size_t max_bytes = 25 * 1024 * 1024;         // IMAGE_MAX_BYTES
  int max_redirects = 3;
  // IMAGE_FETCH_ALLOW_PRIVATE: allow loopback, private, link-local addresses
  // (local stacks and tests). Off by default: a request must not make the
  // service fetch from inside its own network.
  bool allow_private_addresses = false;
};

// A failed download. Transient: timeouts, refused connections, HTTP 5xx, 408,
// 429 (worth retrying). Permanent: HTTP 4xx, a refused address, a bad URL,
// too large, too many redirects. Messages start "Failed to download image: ".
class ImageFetchError : public std::runtime_error {
 public:
  ImageFetchError(bool transient, const std::string& what) : std::runtime_error(what), transient_(transient) {}
  [[nodiscard]] bool transient() const { return transient_; }

 private:
  bool transient_;
};

// Downloads an image over http or https with libcurl: at most max_redirects
// redirects, each target checked again; every address the host resolves to is
// checked and the connection pinned to a checked address; the socket's address
// is checked again just before connecting. Proxies from the environment
// (http_proxy, HTTPS_PROXY, ALL_PROXY, no_proxy) are ignored. When `cancelled`
// turns true the transfer stops within about a second and FetchCancelled is
// thrown.
std::string fetch_image(const std::string& url, const FetchSettings& settings,
                        const std::function<bool()>& cancelled = {});

// The download was stopped because `cancelled` said so.
class FetchCancelled : public std::runtime_error {
 public:
  FetchCancelled() : std::runtime_error("image download cancelled") {}
};

// Why an address may not be fetched ("loopback", "private", "documentation",
// "NAT64", ...), or "" for a public address.
std::string blocked_address_reason(const std::string& address);
// The same for a socket address (AF_INET or AF_INET6; others are refused).
std::string blocked_address_reason(const sockaddr& address);

}  // namespace mc::adapters

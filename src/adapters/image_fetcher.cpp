#include "adapters/image_fetcher.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

namespace mc::adapters {

namespace {

constexpr const char* kPrefix = "Failed to download image: ";

[[noreturn]] void fail(bool transient, const std::string& detail) {
  throw ImageFetchError(transient, kPrefix + detail);
}

struct UrlParts {
  std::string scheme;
  std::string host;
  long port = 0;
};

UrlParts parse_url(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), curl_url_cleanup);
  if (curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) fail(false, "invalid URL");
  UrlParts parts;
  auto get = [&](CURLUPart part, unsigned flags) -> std::string {
    char* value = nullptr;
    if (curl_url_get(handle.get(), part, &value, flags) != CURLUE_OK || value == nullptr) return "";
    std::string text(value);
    curl_free(value);
    return text;
  };
  parts.scheme = get(CURLUPART_SCHEME, 0);
  if (parts.scheme != "http" && parts.scheme != "https") fail(false, "only http and https URLs are allowed");
  parts.host = get(CURLUPART_HOST, 0);
  if (parts.host.empty()) fail(false, "URL has no host");
  if (parts.host.front() == '[') parts.host = parts.host.substr(1, parts.host.size() - 2);
  parts.port = std::stol(get(CURLUPART_PORT, CURLU_DEFAULT_PORT));
  return parts;
}

std::vector<std::string> resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  const int status = getaddrinfo(host.c_str(), nullptr, &hints, &results);
  if (status != 0) fail(status == EAI_AGAIN, "cannot resolve host " + host + " (" + gai_strerror(status) + ")");
  std::vector<std::string> addresses;
  for (addrinfo* entry = results; entry != nullptr; entry = entry->ai_next) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const void* raw = entry->ai_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(entry->ai_addr)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(entry->ai_addr)->sin6_addr);
    if (inet_ntop(entry->ai_family, raw, text.data(), text.size()) != nullptr) addresses.emplace_back(text.data());
  }
  freeaddrinfo(results);
  if (addresses.empty()) fail(false, "host " + host + " has no address");
  return addresses;
}

std::string ipv4_reason(std::uint32_t address) {  // host byte order
  const auto in = [&](std::uint32_t network, int bits) {
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (address & mask) == network;
  };
  if (in(0x7F000000, 8)) return "loopback";
  if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16)) return "private";
  if (in(0x64400000, 10)) return "shared (carrier-grade NAT)";
  if (in(0xA9FE0000, 16)) return "link-local";
  if (in(0xE0000000, 4)) return "multicast";
  if (in(0x00000000, 8)) return "unspecified";
  if (in(0xC0000000, 24)) return "IETF protocol assignment";
  if (in(0xC0000200, 24) || in(0xC6336400, 24) || in(0xCB007100, 24)) return "documentation";
  if (in(0xC6120000, 15)) return "benchmarking";
  if (address == 0xFFFFFFFF) return "broadcast";
  if (in(0xF0000000, 4)) return "reserved";
  return "";
}

struct Download {
  std::string body;
  std::size_t limit = 0;
  bool too_large = false;
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* target) {
  auto* download = static_cast<Download*>(target);
  if (download->body.size() + size * count > download->limit) {
    download->too_large = true;
    return 0;  // aborts the transfer
  }
  download->body.append(data, size * count);
  return size * count;
}

// Checks the address libcurl is about to connect to, whatever led it there
// (the pin below is the first line of defence; this one sees the socket).
struct SocketGuard {
  bool allow_private = false;
  std::string refused;  // the reason and address of a refused connection
};

curl_socket_t open_checked_socket(void* target, curlsocktype purpose, curl_sockaddr* address) {
  auto* guard = static_cast<SocketGuard*>(target);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (!guard->allow_private) {
    const std::string reason = blocked_address_reason(address->addr);
    if (!reason.empty()) {
      guard->refused = reason;
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

bool transient_curl_error(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT || code == CURLE_SEND_ERROR ||
         code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE ||
         code == CURLE_SSL_CONNECT_ERROR || code == CURLE_COULDNT_RESOLVE_HOST;
}

}  // namespace

std::string blocked_address_reason(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return ipv4_reason(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return "not an address";
  const std::uint8_t* b = v6.s6_addr;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return "loopback";
  if (IN6_IS_ADDR_UNSPECIFIED(&v6)) return "unspecified";
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    return ipv4_reason(static_cast<std::uint32_t>(b[12]) << 24 | static_cast<std::uint32_t>(b[13]) << 16 |
                       static_cast<std::uint32_t>(b[14]) << 8 | b[15]);
  }
  // The first `bits` bits of the address equal those of `prefix`.
  const auto in = [&](std::initializer_list<std::uint8_t> prefix, int bits) {
    int index = 0;
    for (const std::uint8_t byte : prefix) {
      const int remaining = bits - 8 * index;
      if (remaining <= 0) break;
      const auto mask = static_cast<std::uint8_t>(remaining >= 8 ? 0xFF : 0xFF << (8 - remaining));
      if ((b[index] & mask) != (byte & mask)) return false;
      ++index;
    }
    return true;
  };
  // ::/96 (IPv4-compatible, deprecated): the host would reach an IPv4 address unchecked.
  if (in({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 96)) return "IPv4-compatible";
  // ::ffff:0:0:0/96 (IPv4-translated, SIIT), NAT64 and 6to4 carry an IPv4
  // address that a translator or gateway would reach for us.
  if (in({0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0}, 96)) return "IPv4-translated";
  if (in({0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0}, 96)) return "NAT64";
  if (in({0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01}, 48)) return "NAT64 (local use)";
  if (in({0x20, 0x02}, 16)) return "6to4";
  if (in({0x20, 0x01, 0x0D, 0xB8}, 32)) return "documentation";
  if (in({0xFC}, 7)) return "private";
  if (in({0xFE, 0x80}, 10)) return "link-local";
  if (in({0xFE, 0xC0}, 10)) return "site-local";
  if (in({0xFF}, 8)) return "multicast";
  return "";
}

std::string blocked_address_reason(const sockaddr& address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  const char* written = nullptr;
  // Copied out: a sockaddr reference may be less aligned than the family's struct.
  if (address.sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, &address, sizeof v4);
    written = inet_ntop(AF_INET, &v4.sin_addr, text.data(), text.size());
  } else if (address.sa_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, &address, sizeof v6);
    written = inet_ntop(AF_INET6, &v6.sin6_addr, text.data(), text.size());
  } else {
    return "not an IP address";
  }
  if (written == nullptr) return "not an address";
  return blocked_address_reason(std::string(text.data()));
}

namespace {

int progress(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& check = *static_cast<const std::function<bool()>*>(cancelled);
  return check && check() ? 1 : 0;  // non-zero aborts the transfer
}

}  // namespace

std::string fetch_image(const std::string& url, const FetchSettings& settings, const std::function<bool()>& cancelled) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) fail(true, "libcurl could not create a handle");
  std::string current = url;
  for (int redirects = 0;; ++redirects) {
    const UrlParts parts = parse_url(current);
    const std::vector<std::string> addresses = resolve(parts.host);
    if (!settings.allow_private_addresses) {
      for (const auto& address : addresses) {
        const std::string reason = blocked_address_reason(address);
        if (!reason.empty())
          fail(false, parts.host + " resolves to a " + reason + " address (" + address + "), which is not allowed");
      }
    }
    // Connect to the address we checked, not to a second lookup's answer. An
    // IPv6 literal is looked up by no one, and libcurl 7.88 refuses a pin
    // whose host is one, bracketed or not ("Malformed option"): none for it.
    in6_addr ipv6{};
    const bool literal = inet_pton(AF_INET6, parts.host.c_str(), &ipv6) == 1;
    const std::string pin =
        parts.host + ":" + std::to_string(parts.port) + ":" +
        (addresses.front().find(':') != std::string::npos ? "[" + addresses.front() + "]" : addresses.front());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> resolve_list(
        literal ? nullptr : curl_slist_append(nullptr, pin.c_str()), curl_slist_free_all);
    Download download;
    download.limit = settings.max_bytes;
    SocketGuard guard;
    guard.allow_private = settings.allow_private_addresses;
    curl_easy_reset(curl.get());
    curl_easy_setopt(curl.get(), CURLOPT_URL, current.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_RESOLVE, resolve_list.get());
    // No proxy, whatever http_proxy, HTTPS_PROXY, ALL_PROXY or no_proxy say:
    // the address checked above must be the one connected to ("" disables
    // the environment's proxies, libcurl's CURLOPT_PROXY documentation).
    curl_easy_setopt(curl.get(), CURLOPT_PROXY, "");
    curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl.get(), CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
    curl_easy_setopt(curl.get(), CURLOPT_OPENSOCKETDATA, &guard);
    curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout.count()));
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(settings.total_timeout.count()));
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(settings.max_bytes));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &download);
    curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "maskcomponent/1");
    curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, const_cast<std::function<bool()>*>(&cancelled));
    const CURLcode code = curl_easy_perform(curl.get());
    if (!guard.refused.empty()) {
      fail(false, parts.host + " connects to a " + guard.refused + " address, which is not allowed");
    }
    if (download.too_large || code == CURLE_FILESIZE_EXCEEDED) {
      fail(false, "image is larger than " + std::to_string(settings.max_bytes) + " bytes");
    }
    if (code == CURLE_ABORTED_BY_CALLBACK) throw FetchCancelled();
    if (code != CURLE_OK) fail(transient_curl_error(code), curl_easy_strerror(code));
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status >= 300 && status < 400) {
      char* location = nullptr;
      curl_easy_getinfo(curl.get(), CURLINFO_REDIRECT_URL, &location);
      if (location == nullptr) fail(false, "HTTP " + std::to_string(status) + " without a Location");
      if (redirects >= settings.max_redirects) {
        fail(false, "more than " + std::to_string(settings.max_redirects) + " redirects");
      }
      current = location;
      continue;
    }
    if (status != 200) {
      fail(status >= 500 || status == 408 || status == 429, "HTTP " + std::to_string(status));
    }
    return std::move(download.body);
  }
}

}  // namespace mc::adapters

#pragma once

#include <string>
#include <string_view>

namespace mc::service {

// What the API checks of a request's headers before it reads the body
// (README "HTTP API"). A header that is absent is an empty view.

// `Authorization: Bearer <token>`, the scheme in any case (RFC 9110 11.1),
// compared in constant time.
bool bearer_matches(std::string_view authorization, const std::string& token);

// `application/json`, in any case, with parameters or none
// (`application/json; charset=utf-8`). A browser page can send text/plain,
// form or multipart bodies to any address without asking first (CORS has no
// preflight for them), JSON it cannot.
bool is_json_media_type(std::string_view content_type);

// The Host a client may name when the API has no token: the bound address
// or, on loopback, `localhost`, with the bound port. Any other name is a DNS
// rebinding (a page whose own name now resolves to this machine).
bool host_allowed(std::string_view host, const std::string& bind_address, int port);

// An Origin is allowed when absent (clients that are not browsers) or when
// it is this server's own, `http://` and the Host the request names (the
// page at `/`). `null` and every other page's origin are refused.
bool origin_allowed(std::string_view origin, std::string_view host);

}  // namespace mc::service

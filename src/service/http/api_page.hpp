#pragma once

#include <string_view>

namespace mc::service {

// web/index.html, built into the binary (src/CMakeLists.txt): the page the
// HTTP API serves at GET /.
std::string_view api_page_html();

}  // namespace mc::service

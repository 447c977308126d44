#include "service/processing/http_image_source.hpp"

namespace mc::service {

std::string HttpImageSource::fetch(const std::string& url, const std::function<bool()>& cancelled) {
  return adapters::fetch_image(url, settings_, cancelled);
}

}  // namespace mc::service

#pragma once

#include "adapters/image_fetcher.hpp"
#include "service/processing/processor_ports.hpp"

namespace mc::service {

// Images downloaded over HTTP(S) with the IMAGE_* settings.
class HttpImageSource final : public ImageSource {
 public:
  explicit HttpImageSource(adapters::FetchSettings settings) : settings_(std::move(settings)) {}
  std::string fetch(const std::string& url, const std::function<bool()>& cancelled) override;

 private:
  adapters::FetchSettings settings_;
};

}  // namespace mc::service

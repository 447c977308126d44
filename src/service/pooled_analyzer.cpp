#include "service/pooled_analyzer.hpp"

namespace mc::service {

inference::HumanAnalysis PooledAnalyzer::analyze(const cv::Mat& person, const std::string& /*image_digest*/,
                                                 const Interruption& /*interruption*/) {
  auto lease = pool_.acquire();
  return lease->analyze(person);
}

}  // namespace mc::service
